/**
 * gNOI to DMS over mTLS: the DMS simulator with TLS server credentials that
 * require a client certificate, and the control worker's DMS clients built from
 * XPUFLOW_DMS_TLS_* (platform/connection/dms-tls.ts).
 */
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { createDmsActivities } from '../../activities/dms';
import { DmsClients } from '../../activities/dms/clients';
import { dmsTlsFromEnv } from '../../platform/connection/dms-tls';
import { startDmsSimulator, type DmsSimulator } from '../../sim/dms';
import { TestPki, type CertFiles } from '../support/certs';

const pki = new TestPki();
let ca: CertFiles;
let client: CertFiles;
let sim: DmsSimulator;
const open: DmsClients[] = [];

beforeAll(async () => {
  ca = pki.ca('dms-ca');
  client = pki.issue(ca, 'control-worker');
  const serverCert = pki.issue(ca, 'dms', { serverNames: ['localhost', '127.0.0.1'] });
  sim = await startDmsSimulator({
    flashMs: 1000,
    rebootMs: 1000,
    initialVersion: 'bf-factory',
    credentials: grpc.ServerCredentials.createSsl(
      fs.readFileSync(ca.cert),
      [{ private_key: fs.readFileSync(serverCert.key), cert_chain: fs.readFileSync(serverCert.cert) }],
      true, // client certificate required
    ),
  });
});
afterAll(async () => {
  for (const c of open) c.close();
  await sim.stop();
  pki.dispose();
});

function activitiesFor(env: NodeJS.ProcessEnv) {
  const tls = dmsTlsFromEnv(env);
  const clients = tls ? new DmsClients(tls.credentials, tls.channelOptions) : new DmsClients();
  open.push(clients);
  return createDmsActivities({ clients, callTimeoutMs: 3000 });
}

const good = () => ({
  XPUFLOW_DMS_TLS_CA_CERT_PATH: ca.cert,
  XPUFLOW_DMS_TLS_CLIENT_CERT_PATH: client.cert,
  XPUFLOW_DMS_TLS_CLIENT_KEY_PATH: client.key,
});

test('with the CA and a client certificate, gNOI calls to DMS go through over mTLS', async () => {
  const dms = activitiesFor(good());
  expect(await dms.dmsVerify({ dpu: 'dpu-a', address: sim.address })).toEqual({ version: 'bf-factory' });
});

test('without a client certificate the DMS server refuses the call', async () => {
  const dms = activitiesFor({ XPUFLOW_DMS_TLS_CA_CERT_PATH: ca.cert });
  await expect(dms.dmsVerify({ dpu: 'dpu-a', address: sim.address })).rejects.toThrow();
});

test('plaintext against the TLS DMS fails', async () => {
  const dms = activitiesFor({});
  await expect(dms.dmsVerify({ dpu: 'dpu-a', address: sim.address })).rejects.toThrow();
});

test.each([
  [{ XPUFLOW_DMS_TLS_CLIENT_CERT_PATH: 'x' }, /needs XPUFLOW_DMS_TLS_CA_CERT_PATH/],
  [
    { XPUFLOW_DMS_TLS_CA_CERT_PATH: 'ca', XPUFLOW_DMS_TLS_CLIENT_CERT_PATH: 'x' },
    /needs both XPUFLOW_DMS_TLS_CLIENT_CERT_PATH and/,
  ],
  [
    { XPUFLOW_DMS_TLS_CA_CERT_PATH: '/nonexistent.pem' },
    /cannot read DMS CA \(XPUFLOW_DMS_TLS_CA_CERT_PATH\) \/nonexistent.pem: ENOENT/,
  ],
])('bad DMS TLS settings %j are named', (env, message) => {
  expect(() => dmsTlsFromEnv(env)).toThrow(message);
});

test('an expired DMS client certificate is named', () => {
  const expired = pki.issue(ca, 'expired-control', { days: -1 });
  expect(() =>
    dmsTlsFromEnv({
      ...good(),
      XPUFLOW_DMS_TLS_CLIENT_CERT_PATH: expired.cert,
      XPUFLOW_DMS_TLS_CLIENT_KEY_PATH: expired.key,
    }),
  ).toThrow(/DMS client certificate \(XPUFLOW_DMS_TLS_CLIENT_CERT_PATH\) .* expired on/);
});
