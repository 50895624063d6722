/**
 * DPUServiceCredentialRequest end to end on real API servers: the controller
 * starts one workflow per request, the control worker (a child process, with
 * the payload codec) makes the ServiceAccount in the target cluster, gets a
 * token from TokenRequest and writes the Secret in the host cluster. A
 * kubeconfig for the DPU cluster and a token file for the host cluster both
 * authenticate; deleting a request revokes its token; a bad duration is
 * refused by the API server naming the field and the value.
 */
import * as k8s from '@kubernetes/client-node';
import { apiMessage, statusCode } from '../../platform/kube/client';
import {
  CREDENTIAL_FINALIZER,
  type CredentialResource,
  type CredentialSpec,
} from '../../model/resources/credential';
import { CredentialHarness, DPU_SERVICES, HOST_SERVICES, NS, whoAmI } from './credential-harness';
import { samplesOf, scrape } from '../support/metrics-scrape';

jest.setTimeout(240_000);

const h = new CredentialHarness();

beforeAll(async () => {
  await h.start();
});

afterAll(async () => {
  await h.dispose();
});

const get = (name: string) =>
  h.kube.get<CredentialResource>('DPUServiceCredentialRequest', { namespace: NS, name });

async function create(name: string, spec: CredentialSpec): Promise<CredentialResource> {
  await h.kube.create('DPUServiceCredentialRequest', NS, { metadata: { name }, spec });
  return h.waitFor(`request ${name} Ready`, async () => {
    const r = await get(name);
    return r?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') && r;
  });
}

const secretValue = async (name: string, key: string) => {
  const s = await h.kube.getSecret(NS, name);
  return s?.data?.[key] && Buffer.from(s.data[key], 'base64').toString('utf8');
};

test('kubeconfig for the DPU cluster: the Secret in the host cluster authenticates there as the ServiceAccount; delete revokes it', async () => {
  const r = await create('telemetry', {
    serviceAccount: { name: 'telemetry', namespace: DPU_SERVICES },
    targetCluster: 'dpu-cluster',
    duration: '1h',
    type: 'kubeconfig',
    secret: { name: 'telemetry-dpu-kubeconfig', namespace: NS },
  });
  expect(r.metadata.finalizers).toContain(CREDENTIAL_FINALIZER);
  expect(r.status).toMatchObject({
    observedGeneration: 1,
    serviceAccount: `${DPU_SERVICES}/telemetry`,
    secret: `${NS}/telemetry-dpu-kubeconfig`,
    issued: 1,
  });
  const lifetime = Date.parse(r.status!.expirationTimestamp!) - Date.parse(r.status!.issuedAt!);
  const renewIn = Date.parse(r.status!.renewAt!) - Date.parse(r.status!.issuedAt!);
  expect(renewIn / lifetime).toBeGreaterThanOrEqual(0.8);
  expect(renewIn / lifetime).toBeLessThanOrEqual(0.85);
  // The control worker counts the issue for this request (what XpuflowCredentialRenewalFailing reads).
  // (The SDK adds its own taskQueue and workflowType labels to a workflow's metrics.)
  expect(
    samplesOf(await scrape(h.metricsUrl), 'xpuflow_credential_issued').find(
      (x) => x.labels.request === 'telemetry',
    ),
  ).toMatchObject({ labels: { namespace: NS, request: 'telemetry' }, value: 1 });

  const kc = new k8s.KubeConfig();
  kc.loadFromString((await secretValue('telemetry-dpu-kubeconfig', 'kubeconfig'))!);
  expect(kc.getCurrentCluster()?.server).toBe(h.dpuCluster.url);
  expect(await whoAmI(kc)).toBe(`system:serviceaccount:${DPU_SERVICES}:telemetry`);
  // The ServiceAccount is the DPU cluster's, not the host's.
  expect(
    (await h.dpuKube.core.readNamespacedServiceAccount({ name: 'telemetry', namespace: DPU_SERVICES }))
      .metadata?.name,
  ).toBe('telemetry');

  await h.kube.delete('DPUServiceCredentialRequest', { namespace: NS, name: 'telemetry' });
  await h.waitFor('the request to be released and gone', async () => (await get('telemetry')) === undefined);
  await expect(
    h.dpuKube.core.readNamespacedServiceAccount({ name: 'telemetry', namespace: DPU_SERVICES }),
  ).rejects.toMatchObject({ code: 404 });
  expect(await h.kube.getSecret(NS, 'telemetry-dpu-kubeconfig')).toBeUndefined();
  // The old token no longer authenticates (the API server's ServiceAccount cache may lag a moment).
  await h.waitFor('the revoked token to be refused', async () => (await whoAmI(kc)) === 401, 20_000);
});

test('tokenFile for the host cluster: token, ca.crt and server work against the host', async () => {
  await create('agent', {
    serviceAccount: { name: 'agent', namespace: HOST_SERVICES },
    duration: '30m',
    type: 'tokenFile',
    secret: { name: 'agent-token', namespace: NS },
  });
  const token = (await secretValue('agent-token', 'token'))!;
  expect(await secretValue('agent-token', 'server')).toBe(h.host.url);
  expect(await secretValue('agent-token', 'ca.crt')).toContain('BEGIN CERTIFICATE');
  expect(await whoAmI(h.clientWith(h.host, token))).toBe(`system:serviceaccount:${HOST_SERVICES}:agent`);
  // A token for one cluster is nobody in the other.
  expect(await whoAmI(h.clientWith(h.dpuCluster, token))).toBe(401);
});

test('editing the spec reissues at once: a moved Secret is written anew and the old one removed', async () => {
  await h.kube.patch(
    'DPUServiceCredentialRequest',
    { namespace: NS, name: 'agent' },
    {
      spec: { secret: { name: 'agent-token-v2', namespace: NS } },
    },
  );
  const r = await h.waitFor('generation 2 issued', async () => {
    const cur = await get('agent');
    return cur?.status?.observedGeneration === 2 && cur.status.secret === `${NS}/agent-token-v2` && cur;
  });
  expect(r.status?.issued).toBe(2);
  expect(await h.kube.getSecret(NS, 'agent-token')).toBeUndefined();
  const token = (await secretValue('agent-token-v2', 'token'))!;
  expect(await whoAmI(h.clientWith(h.host, token))).toBe(`system:serviceaccount:${HOST_SERVICES}:agent`);
});

test("someone else's ServiceAccount gets no token: Ready=False naming it", async () => {
  await h.kube.core.createNamespacedServiceAccount({
    namespace: HOST_SERVICES,
    body: { metadata: { name: 'admin' } },
  });
  await h.kube.create('DPUServiceCredentialRequest', NS, {
    metadata: { name: 'grab' },
    spec: {
      serviceAccount: { name: 'admin', namespace: HOST_SERVICES },
      duration: '1h',
      type: 'tokenFile',
      secret: { name: 'grab', namespace: NS },
    },
  });
  const ready = await h.waitFor('the refusal', async () =>
    (await get('grab'))?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False'),
  );
  expect(ready).toMatchObject({
    reason: 'ServiceAccountOwnedElsewhere',
    message: expect.stringContaining(
      `spec.serviceAccount ${HOST_SERVICES}/admin already exists in the host cluster`,
    ),
  });
  expect(await h.kube.getSecret(NS, 'grab')).toBeUndefined();
  // A failed attempt is counted for the request, and nothing is counted as issued.
  const metrics = await scrape(h.metricsUrl);
  expect(
    samplesOf(metrics, 'xpuflow_credential_issue_failures').find((x) => x.labels.request === 'grab'),
  ).toMatchObject({ labels: { namespace: NS, request: 'grab' }, value: expect.any(Number) });
  expect(samplesOf(metrics, 'xpuflow_credential_issued').filter((x) => x.labels.request === 'grab')).toEqual(
    [],
  );
  // Deleting it leaves the ServiceAccount it never owned.
  await h.kube.delete('DPUServiceCredentialRequest', { namespace: NS, name: 'grab' });
  await h.waitFor('the request to be released and gone', async () => (await get('grab')) === undefined);
  expect(
    (await h.kube.core.readNamespacedServiceAccount({ name: 'admin', namespace: HOST_SERVICES })).metadata
      ?.name,
  ).toBe('admin');
});

test.each([
  ['5m', 'spec.duration 5m is out of range: ask for 10m to 24h'],
  ['25h', 'spec.duration 25h is out of range: ask for 10m to 24h'],
])('duration %s is refused by the API server, naming the field and the value', async (duration, message) => {
  const err = await h.kube
    .create('DPUServiceCredentialRequest', NS, {
      metadata: { name: `bad-${duration}` },
      spec: {
        serviceAccount: { name: 'x', namespace: HOST_SERVICES },
        duration,
        type: 'tokenFile',
        secret: { name: 'x', namespace: NS },
      },
    })
    .catch((e: unknown) => e);
  expect(statusCode(err)).toBe(422);
  expect(apiMessage(err)).toContain(message);
});
