/**
 * TLS settings of xpuflow's Temporal clients checked before any connection:
 * an expired certificate, a key that is not the certificate's, a missing CA
 * file, an API key. What the handshake does (mTLS from the environment and
 * from a TOML profile, a wrong CA, a refused or missing client certificate)
 * is tested against the Temporal cluster's own TLS, in
 * test/e2e/temporal-cluster.test.ts.
 */
import path from 'node:path';
import { temporalSettings } from '../../platform/connection/temporal';
import { TestPki, type CertFiles } from '../support/certs';

const pki = new TestPki();
let ca: CertFiles;
let client: CertFiles;

function env(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca.cert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: client.key,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
    TEMPORAL_CONFIG_FILE: path.join(pki.dir, 'none.toml'),
    ...over,
  };
}

beforeAll(() => {
  ca = pki.ca('temporal-ca');
  client = pki.issue(ca, 'xpuflow-worker');
});
afterAll(() => pki.dispose());

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
