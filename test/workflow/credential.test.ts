/**
 * The credential request workflow on Temporal's time-skipping test server,
 * with the real activities against a real kube-apiserver (TokenRequest
 * issues real tokens) and the encrypting payload codec on the client and the
 * worker. A 1h token is renewed 100 times in workflow time: each renewal
 * comes at 80-85 % of the token's lifetime, every run hands over by
 * continueAsNew so history stays small, and no token is in clear in any run's
 * raw history, while the codec recovers it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCredentialActivities, type IssuedToken } from '../../activities/kube/credential';
import {
  AesGcmCodec,
  codecDataConverter,
  CODEC_KEYS_ENV,
  ENCRYPTED_ENCODING,
  loadKeyring,
} from '../../platform/codec';
import { Kube } from '../../platform/kube/client';
import {
  CREDENTIAL_FINALIZER,
  type CredentialResource,
  type CredentialSpec,
} from '../../model/resources/credential';
import {
  credentialDeleteRequestedSignal,
  credentialStateQuery,
  type CredentialInput,
} from '../../model/credential-api';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { unservedKinds } from '../../controllers/informers';
import { startControllers } from '../../controllers/manager';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { REPO_ROOT, testServerBinary } from '../support/tools';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(240_000);

const NS = 'creds';
const RENEWALS = 100;
let apis: KubeApiservers;
let host: KubeCluster;
/** A cluster a `helm upgrade` left without the chart's newer CRDs (helm adds none on upgrade). */
let upgraded: KubeCluster;
let kube: Kube;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let codec: AesGcmCodec;
let dir: string;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-cred-'));
  const keys = path.join(dir, 'codec-keys.json');
  fs.writeFileSync(keys, JSON.stringify({ keys: { k1: crypto.randomBytes(32).toString('base64') } }));
  process.env[CODEC_KEYS_ENV] = keys;
  codec = new AesGcmCodec(loadKeyring(keys));
  const dataConverter = codecDataConverter()!;

  apis = new KubeApiservers();
  [host, upgraded] = await apis.start(['host', 'upgraded']);
  kube = new Kube(host.kc);
  await installCrds(host.kc);
  for (const name of [NS, 'svc']) await kube.core.createNamespace({ body: { metadata: { name } } });

  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerBinary() } },
    client: { dataConverter },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: CONTROL_TASK_QUEUE,
    workflowBundle: await testWorkflowBundle(require.resolve('../../workflows')),
    activities: createCredentialActivities(host.kc),
    dataConverter,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await apis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function createRequest(name: string, spec: CredentialSpec): Promise<CredentialResource> {
  return kube.create<CredentialResource>('DPUServiceCredentialRequest', NS, {
    metadata: { name },
    spec,
  });
}

/** Every event of one run, as the server stores it (payloads still encrypted). */
async function rawHistory(workflowId: string, runId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await env.client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId, runId },
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

/**
 * One run's history for test/histories/ (XPUFLOW_WRITE_HISTORIES=1): payloads
 * decoded with the codec, so the replay test needs no key, and every token
 * replaced, so no credential (even a dead one) lands in the repository.
 */
async function captureDecoded(events: HistoryEvent[], fileName: string, tokens: string[]): Promise<void> {
  if (process.env.XPUFLOW_WRITE_HISTORIES !== '1') return;
  const copy = temporal.api.history.v1.History.decode(
    temporal.api.history.v1.History.encode({ events }).finish(),
  );
  const walk = async (o: unknown): Promise<void> => {
    if (!o || typeof o !== 'object' || o instanceof Uint8Array) return;
    const rec = o as { payloads?: Payload[] };
    if (Array.isArray(rec.payloads)) {
      rec.payloads = (await codec.decode(rec.payloads)).map((p) => {
        const text = Buffer.from(p.data ?? [])
          .toString('utf8')
          .replace(/eyJ[\w.-]+/g, 'redacted-token');
        if (text.includes('eyJ')) throw new Error(`${fileName} would hold a token`);
        return { ...p, data: Buffer.from(text) };
      });
      return;
    }
    for (const v of Object.values(o)) await walk(v);
  };
  await walk(copy);
  const json = historyToJSON(copy);
  if (tokens.some((t) => json.includes(t))) throw new Error(`${fileName} would hold a token`);
  fs.writeFileSync(path.join(REPO_ROOT, 'test', 'histories', fileName), json);
}

/** Every payload anywhere in these events (inputs, results, signals, failures' details). */
function payloadsOf(events: HistoryEvent[]): Payload[] {
  const out: Payload[] = [];
  const walk = (o: unknown): void => {
    if (!o || typeof o !== 'object' || o instanceof Uint8Array) return;
    const rec = o as { payloads?: Payload[] };
    if (Array.isArray(rec.payloads)) out.push(...rec.payloads);
    else Object.values(o).forEach(walk);
  };
  walk(events);
  return out;
}

async function decode<T>(p: Payload | null | undefined): Promise<T> {
  const [plain] = await codec.decode([p as Payload]);
  return defaultPayloadConverter.fromPayload(plain) as T;
}

/** A client of the API server that authenticates with nothing but this token. */
function clientWith(token: string, server = host.url): k8s.KubeConfig {
  const ca = host.kc.getCurrentCluster()!.caData!;
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: ca, skipTLSVerify: false }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

async function whoAmI(kc: k8s.KubeConfig): Promise<string | undefined> {
  const r = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return r.status?.userInfo?.username;
}

test('a 1h token is renewed 100 times before it expires; history stays small and holds no token in clear', async () => {
  const spec: CredentialSpec = {
    serviceAccount: { name: 'telemetry', namespace: 'svc' },
    duration: '1h',
    type: 'tokenFile',
    secret: { name: 'telemetry-token', namespace: NS },
  };
  const req = await createRequest('telemetry', spec);
  const ref = { namespace: NS, name: 'telemetry', uid: req.metadata.uid! };
  const workflowId = 'credential-telemetry';
  const started = Date.now();
  const handle = await env.client.workflow.start('serviceCredential', {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId,
    args: [{ ref, desired: { generation: 1, spec } } satisfies CredentialInput],
  });
  const latest = env.client.workflow.getHandle(workflowId);
  const issued = async () => {
    for (let i = 0; ; i++) {
      try {
        return (await latest.query(credentialStateQuery)).issued;
      } catch (err) {
        if (i > 20) throw err; // a query between two runs of the chain
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  while ((await issued()) < RENEWALS + 1) await env.sleep('10 hours');

  // The Secret holds a working token of the ServiceAccount.
  const secret = await kube.getSecret(NS, 'telemetry-token');
  const data = (k: string) => Buffer.from(secret!.data![k], 'base64').toString('utf8');
  const token = data('token');
  expect(token.startsWith('eyJ')).toBe(true);
  expect(data('server')).toBe(host.url);
  expect(data('ca.crt')).toContain('BEGIN CERTIFICATE');
  expect(await whoAmI(clientWith(token, data('server')))).toBe('system:serviceaccount:svc:telemetry');
  const status = (await kube.get<CredentialResource>('DPUServiceCredentialRequest', ref))!.status!;
  expect(status).toMatchObject({
    observedGeneration: 1,
    serviceAccount: 'svc/telemetry',
    secret: `${NS}/telemetry-token`,
  });
  expect(status.issued).toBeGreaterThanOrEqual(RENEWALS + 1);
  expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
    status: 'True',
    reason: 'Issued',
  });

  // Follow the chain of runs: each one continued as new into the next.
  const runs: Array<{ events: HistoryEvent[]; issuedAtMs?: number; token?: IssuedToken }> = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId) {
    const events = await rawHistory(workflowId, runId);
    const raw = Buffer.from(temporal.api.history.v1.History.encode({ events }).finish());
    expect(raw.includes(token)).toBe(false);
    // A JWT starts with base64 of '{"alg":'. (A bare 'eyJ' turns up by chance in 550 kB of ciphertext.)
    expect(raw.includes('eyJhbGci')).toBe(false);
    // Every payload of the run went through the codec: none is in clear.
    const clear = payloadsOf(events).filter(
      (p) => Buffer.from(p.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING,
    );
    expect(clear).toEqual([]);
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'requestServiceAccountToken',
    );
    const completed = events.find(
      (e) =>
        scheduled &&
        Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === Number(scheduled.eventId),
    );
    runs.push({
      events,
      ...(scheduled ? { issuedAtMs: tsToMs(scheduled.eventTime) } : {}),
      ...(completed
        ? {
            token: await decode<IssuedToken>(
              completed.activityTaskCompletedEventAttributes!.result!.payloads![0],
            ),
          }
        : {}),
    });
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  const issues = runs.filter((r) => r.token);
  await captureDecoded(
    runs[1].events,
    'credential-request-renewal.json',
    issues.map((r) => r.token!.token),
  );
  expect(issues.length).toBeGreaterThanOrEqual(RENEWALS + 1);
  // The codec recovers the tokens: the last one issued is the Secret's.
  expect(issues.at(-1)!.token!.token).toBe(token);
  expect(issues.every((r) => r.token!.token.startsWith('eyJ'))).toBe(true);

  // Each renewal by workflow time: after 80 % and at most 85 % of the token's real lifetime, so before expiry.
  const gaps = issues.slice(1).map((r, i) => {
    const prev = issues[i];
    const lifetime = Date.parse(prev.token!.expirationTimestamp) - Date.parse(prev.token!.issuedAt);
    return { fraction: (r.issuedAtMs! - prev.issuedAtMs!) / lifetime, lifetime };
  });
  for (const g of gaps) {
    expect(g.lifetime).toBeGreaterThan(3590_000);
    expect(g.lifetime).toBeLessThanOrEqual(3610_000); // two clocks: the worker's issue time, the server's expiry
    expect(g.fraction).toBeGreaterThanOrEqual(0.8);
    expect(g.fraction).toBeLessThanOrEqual(0.85 + 5_000 / g.lifetime);
  }
  const sizes = runs.map((r) => r.events.length);
  console.log(
    `credential request: ${issues.length} tokens over ${runs.length} runs chained by continueAsNew; events per run: max ${Math.max(...sizes)} (run ${sizes.indexOf(Math.max(...sizes)) + 1}), median ${[...sizes].sort((a, b) => a - b)[sizes.length >> 1]}, last ${sizes.at(-1)}; renewal at ${(Math.min(...gaps.map((g) => g.fraction)) * 100).toFixed(1)}-${(Math.max(...gaps.map((g) => g.fraction)) * 100).toFixed(1)} % of lifetime; ${((Date.now() - started) / 1000).toFixed(1)} s wall`,
  );
  if (process.env.XPUFLOW_DEBUG_HISTORY) {
    const big = runs[sizes.indexOf(Math.max(...sizes))].events;
    console.log(big.map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]).join('\n'));
  }
  expect(Math.max(...sizes)).toBeLessThan(50);
  // Every run but the current one ended by continueAsNew.
  expect(
    runs.slice(0, -1).every((r) => r.events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes),
  ).toBe(true);

  // Delete: the ServiceAccount goes (its tokens stop working) and the Secret with it.
  await latest.signal(credentialDeleteRequestedSignal);
  expect(await latest.result()).toContain('deleted ServiceAccount svc/telemetry in the host cluster');
  expect(await kube.getSecret(NS, 'telemetry-token')).toBeUndefined();
  const deadline = Date.now() + 20_000;
  let answer: unknown;
  for (;;) {
    answer = await whoAmI(clientWith(token)).catch((err: unknown) => (err as { code?: number }).code);
    if (answer === 401 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(answer).toBe(401);
});

test('a missing DPUCluster is a Ready=False condition naming it, retried until it exists', async () => {
  const spec: CredentialSpec = {
    serviceAccount: { name: 'agent', namespace: 'svc' },
    targetCluster: 'later',
    duration: '30m',
    type: 'kubeconfig',
    secret: { name: 'agent-kubeconfig', namespace: NS },
  };
  const req = await createRequest('agent', spec);
  const ref = { namespace: NS, name: 'agent', uid: req.metadata.uid! };
  const handle = await env.client.workflow.start('serviceCredential', {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: 'credential-agent',
    args: [{ ref, desired: { generation: 1, spec } } satisfies CredentialInput],
  });
  const ready = async () =>
    (await kube.get<CredentialResource>('DPUServiceCredentialRequest', ref))?.status?.conditions?.find(
      (c) => c.type === 'Ready',
    );
  const until = async (reason: string) => {
    const deadline = Date.now() + 20_000;
    while ((await ready())?.reason !== reason && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    return ready();
  };
  expect(await until('TargetClusterNotFound')).toMatchObject({
    status: 'False',
    message: expect.stringContaining(`DPUCluster ${NS}/later does not exist`),
  });
  // The DPU cluster appears (the host's own API server plays it here).
  await kube.core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'later-kubeconfig' }, stringData: { kubeconfig: host.kubeconfigYaml } },
  });
  await kube.create('DPUCluster', NS, {
    metadata: { name: 'later' },
    spec: { kubeconfigSecret: { name: 'later-kubeconfig' } },
  });
  await env.sleep('5 minutes');
  expect(await until('Issued')).toMatchObject({ status: 'True' });
  const secret = await kube.getSecret(NS, 'agent-kubeconfig');
  const kc = new k8s.KubeConfig();
  kc.loadFromString(Buffer.from(secret!.data!.kubeconfig, 'base64').toString('utf8'));
  expect(await whoAmI(kc)).toBe('system:serviceaccount:svc:agent');
  await handle.signal(credentialDeleteRequestedSignal);
  await env.client.workflow.getHandle('credential-agent').result();
});

test('a target cluster that does not answer keeps the request, saying RevokeFailed, until revoking works', async () => {
  const unreachable = host.kubeconfigYaml.replace(host.url, 'https://127.0.0.1:1');
  await kube.core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'flaky-kubeconfig' }, stringData: { kubeconfig: unreachable } },
  });
  await kube.create('DPUCluster', NS, {
    metadata: { name: 'flaky' },
    spec: { kubeconfigSecret: { name: 'flaky-kubeconfig' } },
  });
  const spec: CredentialSpec = {
    serviceAccount: { name: 'flaky', namespace: 'svc' },
    targetCluster: 'flaky',
    duration: '1h',
    type: 'kubeconfig',
    secret: { name: 'flaky', namespace: NS },
  };
  const req = await kube.create<CredentialResource>('DPUServiceCredentialRequest', NS, {
    metadata: { name: 'flaky', finalizers: [CREDENTIAL_FINALIZER] },
    spec,
  });
  const ref = { namespace: NS, name: 'flaky', uid: req.metadata.uid! };
  const handle = await env.client.workflow.start('serviceCredential', {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: 'credential-flaky',
    args: [{ ref, desired: { generation: 1, spec } } satisfies CredentialInput],
  });
  const ready = async () =>
    (await kube.get<CredentialResource>('DPUServiceCredentialRequest', ref))?.status?.conditions?.find(
      (c) => c.type === 'Ready',
    );
  await env.sleep('2 minutes');
  expect(await ready()).toMatchObject({ status: 'False', reason: 'IssueFailed' });

  await kube.delete('DPUServiceCredentialRequest', ref);
  await handle.signal(credentialDeleteRequestedSignal);
  await env.sleep('3 minutes');
  expect(await ready()).toMatchObject({
    status: 'False',
    reason: 'RevokeFailed',
    message: expect.stringContaining(`To give up, remove the finalizer ${CREDENTIAL_FINALIZER}`),
  });
  expect(await kube.get('DPUServiceCredentialRequest', ref)).toBeDefined();

  // The cluster answers again: revoking finishes and the request goes.
  await kube.core.replaceNamespacedSecret({
    name: 'flaky-kubeconfig',
    namespace: NS,
    body: { metadata: { name: 'flaky-kubeconfig' }, stringData: { kubeconfig: host.kubeconfigYaml } },
  });
  expect(await env.client.workflow.getHandle('credential-flaky').result()).toContain('revoked');
  expect(await kube.get('DPUServiceCredentialRequest', ref)).toBeUndefined();
});

test('without the new CRDs (a helm upgrade adds none) their controllers say so and the manager runs the others', async () => {
  const added = ['dpuservicecredentialrequests', 'dpuservices', 'dpuserviceinterfaces', 'dpuservicechains'];
  await installCrds(
    upgraded.kc,
    undefined,
    added.map((plural) => `${plural}.provisioning.xpuflow.dev`),
  );
  await new Kube(upgraded.kc).core.createNamespace({ body: { metadata: { name: NS } } });
  expect(
    (
      await unservedKinds(
        upgraded.kc,
        ['DPUServiceCredentialRequest', 'DPUService', 'DPUServiceInterface', 'DPUServiceChain', 'DPU'],
        NS,
      )
    ).sort(),
  ).toEqual(['DPUService', 'DPUServiceChain', 'DPUServiceCredentialRequest', 'DPUServiceInterface']);
  const lines: string[] = [];
  const ctl = await startControllers({
    kc: upgraded.kc,
    temporal: env.client,
    namespace: NS,
    log: (l) => lines.push(l),
  });
  await ctl.stop();
  const unwatched = lines.filter((l) => l.includes('their CRD is not installed'));
  expect(unwatched).toEqual([
    expect.stringContaining(
      'apply charts/xpuflow/crds/provisioning.xpuflow.dev_dpuservicecredentialrequests.yaml',
    ),
    expect.stringContaining('DPUServiceInterface and DPUServiceChain objects are not watched'),
    // The service IPAM controller hands addresses to DPUServiceInterfaces: it says so for itself.
    expect.stringContaining('DPUServiceInterface objects are not watched'),
    expect.stringContaining('DPUService objects are not watched'),
  ]);
  // The DPU controllers started all the same.
  expect(lines).toContain(`watching xpuflow objects in namespace ${NS}`);
});
