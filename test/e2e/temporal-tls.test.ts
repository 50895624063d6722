/**
 * TLS and mTLS to Temporal, from the environment and from a TOML profile.
 * The dev server has no TLS options, so a TLS-terminating proxy of ours
 * (test/support/tls-proxy.ts) stands in front of it and requires a client
 * certificate: the handshake is real, the server behind it is plaintext.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectClient, connectWorker, temporalSettings } from '../../platform/connection/temporal';
import { TestPki, type CertFiles } from '../support/certs';
import { DevServer } from '../support/dev-server';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy';
import { distFile } from '../support/tools';

jest.setTimeout(120_000);
const run = promisify(execFile);
const server = new DevServer();
const pki = new TestPki();
let proxy: TlsProxy;
let ca: CertFiles;
let otherCa: CertFiles;
let client: CertFiles;

function env(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: client.key,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_CONFIG_FILE: path.join(pki.dir, 'none.toml'),
    ...over,
  };
}

beforeAll(async () => {
  await server.start();
  ca = pki.ca('temporal-ca');
  otherCa = pki.ca('some-other-ca');
  client = pki.issue(ca, 'xpuflow-worker');
  const serverCert = pki.issue(ca, 'temporal-frontend', { serverNames: ['localhost', '127.0.0.1'] });
  proxy = await startTlsProxy({ target: server.address, server: serverCert, clientCa: ca.cert });
});
afterAll(async () => {
  await proxy?.close();
  await server.dispose();
  pki.dispose();
});

test('mTLS from TEMPORAL_TLS_* variables: client and worker connections work', async () => {
  const s = temporalSettings(env());
  expect(s.tls).toBe(true);
  const c = await connectClient(s);
  const info = await c.workflowService.describeNamespace({ namespace: 'default' });
  expect(info.namespaceInfo?.name).toBe('default');
  await c.connection.close();
  const w = await connectWorker(s);
  await w.close();
});

test('mTLS from a TOML profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), as the temporal CLI reads it', async () => {
  const toml = path.join(pki.dir, 'temporal.toml');
  fs.writeFileSync(
    toml,
    [
      '[profile.secure]',
      `address = "${proxy.address}"`,
      'namespace = "default"',
      '[profile.secure.tls]',
      `server_ca_cert_path = "${ca.cert}"`,
      `client_cert_path = "${client.cert}"`,
      `client_key_path = "${client.key}"`,
      'server_name = "localhost"',
      '',
    ].join('\n'),
  );
  const s = temporalSettings({ TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'secure' });
  expect(s).toMatchObject({ address: proxy.address, namespace: 'default', tls: true });
  const w = await connectWorker(s);
  await w.close();
});

test('a control worker that trusts the wrong CA exits non-zero and says why', async () => {
  const r = await run(process.execPath, [distFile('workers/control/main.js')], {
    env: { ...process.env, ...env({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert }) },
  }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`TLS handshake with Temporal at ${proxy.address}`);
  expect(r.stderr).toContain("the server's certificate is not signed by the CA this client trusts");
});

test('the worker connection (Core) with the wrong CA says the same', async () => {
  await expect(
    connectWorker(temporalSettings(env({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: otherCa.cert }))),
  ).rejects.toThrow(/not signed by the CA this client trusts: check TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
});

test('without a client certificate the mTLS server refuses, and the message says what it wants', async () => {
  await expect(
    connectWorker(
      temporalSettings(
        env({ TEMPORAL_TLS_CLIENT_CERT_PATH: undefined, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined }),
      ),
    ),
  ).rejects.toThrow(
    /TLS handshake with Temporal .* failed: the server refused this client: it wants a client certificate/,
  );
});

test('an expired client certificate is named before any connection is tried', () => {
  const expired = pki.issue(ca, 'expired-worker', { days: -1 });
  expect(() =>
    temporalSettings(
      env({ TEMPORAL_TLS_CLIENT_CERT_PATH: expired.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: expired.key }),
    ),
  ).toThrow(
    new RegExp(
      `Temporal client certificate \\(TEMPORAL_TLS_CLIENT_CERT_PATH\\) ${expired.cert} .* expired on`,
    ),
  );
});

test("a key that is not the certificate's, and a missing CA file, are named", () => {
  const other = pki.issue(ca, 'other-worker');
  expect(() => temporalSettings(env({ TEMPORAL_TLS_CLIENT_KEY_PATH: other.key }))).toThrow(
    /Temporal client key \(TEMPORAL_TLS_CLIENT_KEY_PATH\) .* does not belong to the client certificate/,
  );
  expect(() => temporalSettings(env({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' }))).toThrow(
    'cannot read Temporal server CA (TEMPORAL_TLS_SERVER_CA_CERT_PATH) /nonexistent/ca.pem: ENOENT',
  );
});

test('an API key turns TLS on and is sent (Temporal Cloud style)', () => {
  const s = temporalSettings({
    TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
    TEMPORAL_API_KEY: 'k-123',
    TEMPORAL_CONFIG_FILE: path.join(pki.dir, 'none.toml'),
  });
  expect(s.tls).toBe(true);
  expect(s.connectionOptions.apiKey).toBe('k-123');
});
