/**
 * `xpuflow doctor` against a real Temporal dev server and a real
 * kube-apiserver carrying the chart's CRDs and the chart's RBAC (rendered by
 * helm), run as the controllers' ServiceAccount: healthy, every line passes
 * and the exit code is 0; then each part broken in turn, and each time the
 * one check that finds it fails, names it and says what to do, the ones
 * after it that need it are skipped, and the run ends within its timeouts.
 *
 * Workers are played by real long polls on their task queues (what Temporal
 * counts as a poller), so runs stay open with work on those queues; a DMS
 * simulator answers gNOI for the open provisioning run.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { doctor, renderReport } from '../../cli/doctor/command';
import type { CheckResult } from '../../cli/doctor/check';
import { DOCTOR_CHECKS } from '../../cli/doctor/checks';
import type { DoctorReport } from '../../cli/doctor/run-checks';
import { requiredRights } from '../../cli/doctor/required-rights';
import { DPU_KEY, NODE_KEY } from '../../model/search-attributes';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { startDmsSimulator, type DmsSimulator } from '../../sim/dms/simulator';
import { freePort } from '../../sim/free-port';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { renderChart, type K8sObject } from '../chart/helm';
import { TestPki } from '../support/certs';
import { DevServer } from '../support/dev-server';
import { startTlsProxy, type TlsProxy } from '../support/tls-proxy';
import { distFile } from '../support/tools';
import { waitFor } from '../support/wait-for';

jest.setTimeout(120_000);
const run = promisify(execFile);

const RELEASE_NS = 'xpuflow-system';
const TIMEOUT_MS = 5000;
const server = new DevServer();
const apis = new KubeApiservers();
const pki = new TestPki();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-doctor-'));
let host: KubeCluster;
let connection: Connection;
let client: Client;
let dms: DmsSimulator;
let proxy: TlsProxy;
const polls = new AbortController();
setMaxListeners(20, polls.signal); // one listener per poll in flight
/** Polls that failed (they are tried again): said when the pollers do not show. */
const pollFailures: string[] = [];
/** Kubeconfigs of the chart's controller identity, and of one bound to less. */
let controllersKubeconfig: string;
let narrowKubeconfig: string;

/** The environment of a healthy installation; `over` breaks one part (undefined removes a variable). */
function env(over: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const e: Record<string, string | undefined> = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_CONFIG_FILE: path.join(dir, 'none.toml'),
    XPUFLOW_KUBECONFIG: controllersKubeconfig,
    XPUFLOW_WATCH_NAMESPACE: RELEASE_NS,
    ...over,
  };
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}

async function runDoctor(e: NodeJS.ProcessEnv): Promise<DoctorReport & { elapsedMs: number }> {
  const t0 = Date.now();
  const report = await doctor({ timeoutMs: TIMEOUT_MS, env: e });
  return { ...report, elapsedMs: Date.now() - t0 };
}

function line(report: DoctorReport, check: string): CheckResult {
  const r = report.checks.find((c) => c.check === check);
  if (!r) throw new Error(`no ${check} line in ${JSON.stringify(report, null, 2)}`);
  return r;
}

/** Exactly these checks failed; otherwise the whole report is shown. */
function expectFailed(report: DoctorReport, checks: string[]): void {
  const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.check);
  if (JSON.stringify(failed) !== JSON.stringify(checks))
    throw new Error(
      `expected ${JSON.stringify(checks)} to fail, got ${JSON.stringify(failed)}: ${renderReport(report).join('\n')}`,
    );
}

/** Every check ran, or was skipped, within its time: no run waits more than one timeout per check run. */
function expectBounded(report: DoctorReport & { elapsedMs: number }): void {
  for (const c of report.checks) expect(c.ms).toBeLessThan(TIMEOUT_MS + 1000);
  const ran = report.checks.filter((c) => c.status !== 'skip').length;
  expect(report.elapsedMs).toBeLessThan(ran * TIMEOUT_MS + 2000);
}

/** Long polls on a queue, again and again until the test ends: Temporal lists the poller. */
function poll(queue: string, kind: 'workflow' | 'activity'): void {
  const request = {
    namespace: 'default',
    taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    identity: `doctor-test@${queue}`,
  };
  void (async () => {
    while (!polls.signal.aborted) {
      try {
        // A long poll needs a deadline (the server refuses one without); it answers empty after about a minute.
        await connection.withAbortSignal(polls.signal, () =>
          connection.withDeadline(Date.now() + 70_000, async () => {
            if (kind === 'workflow') await connection.workflowService.pollWorkflowTaskQueue(request);
            else await connection.workflowService.pollActivityTaskQueue(request);
          }),
        );
      } catch (err) {
        if (polls.signal.aborted) return;
        pollFailures.push(`${queue}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
}

/** Starts a run no real worker picks up: it stays open, with the search attributes a flow writes. */
async function openRun(
  workflowId: string,
  type: string,
  input: object,
  attrs: { node?: string; dpu?: string },
  on: Client = client,
): Promise<void> {
  await on.workflow.start(type, {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId,
    args: [input],
    typedSearchAttributes: [
      ...(attrs.node ? [{ key: NODE_KEY, value: attrs.node }] : []),
      ...(attrs.dpu ? [{ key: DPU_KEY, value: attrs.dpu }] : []),
    ],
  });
}

async function closeRun(workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).terminate('doctor test done with it');
}

/** A kubeconfig for a ServiceAccount of the cluster, with a token from the TokenRequest API. */
async function serviceAccountKubeconfig(name: string, namespace: string): Promise<string> {
  const core = host.kc.makeApiClient(k8s.CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 } },
  });
  const kc = new k8s.KubeConfig();
  const cluster = host.kc.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [{ name: 'host', server: cluster.server, caData: cluster.caData }],
    users: [{ name: `${namespace}/${name}`, token: tr.status!.token }],
    contexts: [{ name: 'sa', cluster: 'host', user: `${namespace}/${name}` }],
    currentContext: 'sa',
  });
  const file = path.join(dir, `${name}.kubeconfig`);
  fs.writeFileSync(file, kc.exportConfig());
  return file;
}

beforeAll(async () => {
  // Temporal and Kubernetes start side by side.
  const kubeUp = (async () => {
    [host] = await apis.start(['host']);
    await installCrds(host.kc);
  })();
  await server.start();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: 'default' });
  await kubeUp;

  // The chart's RBAC as helm renders it, applied as the admin; the controllers' ServiceAccount is bound by it.
  const objects = k8s.KubernetesObjectApi.makeApiClient(host.kc);
  const core = host.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: RELEASE_NS } } });
  const rbacKinds = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
  const rendered = renderChart().filter((o) => rbacKinds.includes(o.kind));
  for (const o of rendered) await objects.create(o as k8s.KubernetesObject);
  controllersKubeconfig = await serviceAccountKubeconfig('xpuflow', RELEASE_NS);

  // A ServiceAccount bound to the same, less one rule: the Eviction API a drain goes through.
  const clusterRole = rendered.find(
    (o) => o.kind === 'ClusterRole' && o.metadata.name === 'xpuflow',
  ) as K8sObject & {
    rules: k8s.V1PolicyRule[];
  };
  await objects.create({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'narrow', namespace: RELEASE_NS },
  } as k8s.KubernetesObject);
  await objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'narrow' },
    rules: clusterRole.rules.filter((r) => !r.resources?.includes('pods/eviction')),
  } as k8s.KubernetesObject);
  const bind = (kind: 'ClusterRoleBinding' | 'RoleBinding', role: string, roleKind: string) =>
    objects.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind,
      metadata: { name: `narrow-${role}`, ...(kind === 'RoleBinding' ? { namespace: RELEASE_NS } : {}) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'narrow', namespace: RELEASE_NS }],
    } as k8s.KubernetesObject);
  await bind('ClusterRoleBinding', 'narrow', 'ClusterRole');
  await bind('RoleBinding', 'xpuflow-secrets', 'Role');
  await bind('RoleBinding', 'xpuflow-leader-election', 'Role');
  narrowKubeconfig = await serviceAccountKubeconfig('narrow', RELEASE_NS);
  // The API server's RBAC authorizer sees new bindings a moment after they are written.
  const asControllers = new k8s.KubeConfig();
  asControllers.loadFromFile(controllersKubeconfig);
  const authz = asControllers.makeApiClient(k8s.AuthorizationV1Api);
  await waitFor(
    "the chart's bindings to be in force",
    async () => {
      const probes = [
        { resource: 'pods', subresource: 'eviction', verb: 'create' },
        { resource: 'secrets', verb: 'delete', namespace: RELEASE_NS },
        { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: RELEASE_NS },
      ];
      const answers = await Promise.all(
        probes.map((resourceAttributes) =>
          authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes } } }),
        ),
      );
      return answers.every((a) => a.status?.allowed);
    },
    { timeoutMs: 30_000 },
  );

  // The workers: the control worker's two queues and the host worker of n1.
  poll(CONTROL_TASK_QUEUE, 'workflow');
  poll(CONTROL_TASK_QUEUE, 'activity');
  poll(hostTaskQueue('n1'), 'activity');
  // One DPU being provisioned on n1, its DMS up.
  dms = await startDmsSimulator({ flashMs: 1000, rebootMs: 500 });
  await openRun(
    'provision-dpu-d1',
    'provisionDpu',
    { spec: { name: 'd1', node: 'n1', dmsAddress: dms.address } },
    { node: 'n1', dpu: 'd1' },
  );
  await waitFor(
    'Temporal to list the pollers and the open run',
    async () => {
      const runs = await client.workflowService.listWorkflowExecutions({
        namespace: 'default',
        query: 'ExecutionStatus="Running"',
      });
      const queues = await Promise.all(
        [CONTROL_TASK_QUEUE, hostTaskQueue('n1')].map((name) =>
          client.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name },
            taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
          }),
        ),
      );
      return (runs.executions ?? []).length > 0 && queues.every((q) => (q.pollers ?? []).length > 0);
    },
    { timeoutMs: 30_000, explain: () => `poll failures: ${pollFailures.slice(-4).join('; ') || 'none'}` },
  );
});

afterAll(async () => {
  polls.abort();
  await proxy?.close();
  await dms?.stop();
  await connection?.close();
  await server.dispose();
  await apis.stop();
  pki.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a healthy installation: every line passes, in order; the CLI prints them and exits 0', async () => {
  const report = await runDoctor(env());
  expectFailed(report, []);
  expect(report.ok).toBe(true);
  expect(report.checks.map((c) => c.check)).toEqual(DOCTOR_CHECKS.map((c) => c.name));
  expect(report.checks.map((c) => c.check)).toEqual([
    'temporal',
    'namespace',
    'search-attributes',
    'codec-keys',
    'pollers',
    'dms',
    'kubernetes',
    'kube-rights',
    'crds',
  ]);
  expect(line(report, 'pollers').message).toBe(`workers poll xpuflow-control, xpuflow-host-n1`);
  expect(line(report, 'dms').message).toMatch(new RegExp(`^DMS at ${dms.address} \\(d1\\): `));
  expect(line(report, 'kube-rights').message).toMatch(
    new RegExp(`^user ${RELEASE_NS}/xpuflow has all ${requiredRights().length} rights`),
  );
  // As many as the chart installs, one CRD file each.
  const chartCrds = fs
    .readdirSync(path.resolve(__dirname, '../../charts/xpuflow/crds'))
    .filter((f) => f.endsWith('.yaml'));
  expect(line(report, 'crds').message).toMatch(
    new RegExp(`^${chartCrds.length} resources served at provisioning\\.xpuflow\\.dev/v1alpha1`),
  );

  // execFile rejects unless the exit code is 0.
  const cli = await run(process.execPath, [distFile('cli/main.js'), 'doctor', '--timeout', '5'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() },
  });
  const lines = cli.stdout.trim().split('\n');
  expect(lines).toHaveLength(DOCTOR_CHECKS.length + 1);
  for (const [i, c] of DOCTOR_CHECKS.entries()) expect(lines[i]).toMatch(new RegExp(`^ok   ${c.name} +\\S`));
  expect(lines.at(-1)).toBe('all checks passed');

  // --json prints this report as it is (the CLI's own --json is run in the next test).
  const parsed = JSON.parse(JSON.stringify(report)) as DoctorReport;
  expect(parsed.ok).toBe(true);
  expect(parsed.checks).toHaveLength(DOCTOR_CHECKS.length);
  for (const c of parsed.checks) {
    expect(Object.keys(c).sort()).toEqual(['check', 'message', 'ms', 'status']);
    expect(c.status).toBe('pass');
    expect(typeof c.ms).toBe('number');
  }
});

test('Temporal down: the temporal line says where and what to do; what needs it is skipped; exit code 1, --json too', async () => {
  const nobody = `127.0.0.1:${await freePort()}`;
  const report = await runDoctor(env({ TEMPORAL_ADDRESS: nobody }));
  expect(report.ok).toBe(false);
  expectFailed(report, ['temporal']);
  const t = line(report, 'temporal');
  expect(t.message).toMatch(
    new RegExp(`^cannot reach Temporal at ${nobody} \\(namespace default, TLS off\\): `),
  );
  expect(t.fix).toMatch(/start Temporal there \(\.\/temporal-dev\.sh start/);
  for (const c of ['namespace', 'search-attributes', 'pollers', 'dms'])
    expect(line(report, c)).toMatchObject({ status: 'skip', message: 'skipped because temporal failed' });
  expect(line(report, 'codec-keys').status).toBe('pass');
  expect(line(report, 'crds').status).toBe('pass');
  expectBounded(report);

  const cli = await run(process.execPath, [distFile('cli/main.js'), 'doctor', '--json', '--timeout', '3'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env({ TEMPORAL_ADDRESS: nobody }) },
  }).then(
    () => ({ code: 0, stdout: '' }),
    (err: { code: number; stdout: string }) => err,
  );
  expect(cli.code).toBe(1);
  const parsed = JSON.parse(cli.stdout) as DoctorReport;
  expect(parsed.ok).toBe(false);
  expect(parsed.checks[0]).toMatchObject({ check: 'temporal', status: 'fail' });
  expect(Object.keys(parsed.checks[0]).sort()).toEqual(['check', 'fix', 'message', 'ms', 'status']);
  expect(parsed.checks[1]).toEqual({
    check: 'namespace',
    status: 'skip',
    message: 'skipped because temporal failed',
    ms: 0,
  });
});

test('a Temporal that accepts connections and never answers: the check ends within its timeout', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const report = await runDoctor(env({ TEMPORAL_ADDRESS: address }));
    expectFailed(report, ['temporal']);
    expect(line(report, 'temporal').message).toMatch(new RegExp(`Temporal at ${address}`));
    expectBounded(report);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test('a namespace that does not exist: named, with the command that creates it; what needs it is skipped', async () => {
  const report = await runDoctor(env({ TEMPORAL_NAMESPACE: 'no-such-ns' }));
  expectFailed(report, ['namespace']);
  expect(line(report, 'namespace')).toMatchObject({
    message: 'namespace no-such-ns does not exist on this Temporal cluster',
    fix: "set TEMPORAL_NAMESPACE to an existing one, or create it with xpuflow's search attributes: xpuflow setup --namespace no-such-ns --retention 7d",
  });
  for (const c of ['search-attributes', 'pollers', 'dms'])
    expect(line(report, c)).toMatchObject({ status: 'skip', message: 'skipped because namespace failed' });
  expectBounded(report);
});

test('wrong TLS material: a server certificate another CA signed is named, with the setting to fix', async () => {
  const ca = pki.ca('temporal-ca');
  const otherCa = pki.ca('some-other-ca');
  proxy = await startTlsProxy({
    target: server.address,
    server: pki.issue(ca, 'temporal-frontend', { serverNames: ['localhost', '127.0.0.1'] }),
  });
  const tlsEnv = (caPath: string) =>
    env({
      TEMPORAL_ADDRESS: proxy.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caPath,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
  const good = await runDoctor(tlsEnv(ca.cert));
  expectFailed(good, []);
  expect(line(good, 'temporal').message).toMatch(/\(TLS on, no API key\)$/);

  const report = await runDoctor(tlsEnv(otherCa.cert));
  expectFailed(report, ['temporal']);
  expect(line(report, 'temporal').message).toMatch(
    new RegExp(
      `^TLS handshake with Temporal at ${proxy.address} \\(namespace default, TLS on\\) failed: the server's certificate is not signed by the CA this client trusts: check TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
    ),
  );
  expect(line(report, 'temporal').fix).toMatch(/^fix the TLS setting the message names/);
  expectBounded(report);

  const missing = await runDoctor(tlsEnv(path.join(dir, 'no-such-ca.crt')));
  expectFailed(missing, ['temporal']);
  expect(line(missing, 'temporal').message).toMatch(
    /^cannot read Temporal server CA .*no-such-ca\.crt: ENOENT/,
  );
});

test('a kubeconfig with too few rights: the right it lacks is named, with the roles to bind', async () => {
  const report = await runDoctor(env({ XPUFLOW_KUBECONFIG: narrowKubeconfig }));
  expectFailed(report, ['kube-rights']);
  const r = line(report, 'kube-rights');
  expect(r.message).toBe(
    `kubeconfig user ${RELEASE_NS}/narrow may not create pods --subresource=eviction ` +
      `(1 of ${requiredRights().length} rights the controllers need)`,
  );
  expect(r.fix).toMatch(/^bind this identity to the roles the chart makes/);
  // The Secrets rights are checked in the watched namespace: elsewhere the identity has none.
  const elsewhere = await runDoctor(env({ XPUFLOW_WATCH_NAMESPACE: 'default' }));
  expect(line(elsewhere, 'kube-rights').message).toMatch(
    /may not get secrets -n default, list secrets -n default, watch secrets -n default, create secrets -n default/,
  );
  expectBounded(report);
});

test('no worker on a queue with work, and a DMS that does not answer: each named, with what to start or check', async () => {
  // A run on host n2, whose host worker does not poll.
  await openRun('vm-claim-n2', 'vmClaim', { node: 'n2' }, { node: 'n2' });
  const report = await runDoctor(env());
  expectFailed(report, ['pollers']);
  expect(line(report, 'pollers')).toMatchObject({
    message: 'no worker polls xpuflow-host-n2 (activity tasks; open run vm-claim-n2 on node n2)',
    fix: 'start the host worker on node n2 (xpuflow worker host --node n2; in the chart the host-worker DaemonSet must run a pod there)',
  });
  expectBounded(report);
  await closeRun('vm-claim-n2');

  // A second DPU on n1 whose DMS is gone.
  const gone = `127.0.0.1:${await freePort()}`;
  await openRun(
    'provision-dpu-d2',
    'provisionDpu',
    { spec: { name: 'd2', node: 'n1', dmsAddress: gone } },
    { node: 'n1', dpu: 'd2' },
  );
  const down = await runDoctor(env());
  expectFailed(down, ['dms']);
  expect(line(down, 'dms').message).toMatch(new RegExp(`^DMS at ${gone} \\(DPU d2\\) does not answer: `));
  expect(line(down, 'dms').fix).toMatch(/^check the DMS pod of d2 on its host/);
  expectBounded(down);
  await closeRun('provision-dpu-d2');

  // A run whose workflow task scheduled an activity on DPU d9's queue, which no DPU worker polls.
  await waitingOnDpuQueue('service-chain-d9', 'xpuflow-dpu-d9');
  const dpu = await runDoctor(env());
  expectFailed(dpu, ['pollers']);
  expect(line(dpu, 'pollers')).toMatchObject({
    message:
      'no worker polls xpuflow-dpu-d9 (activity tasks; activity opiCreateBridgePort of service-chain-d9 waits)',
    fix: expect.stringMatching(/^start the DPU worker of d9 \(xpuflow worker dpu --dpu d9 --opi <addr>;/),
  });
  await closeRun('service-chain-d9');
});

/**
 * A run on a queue of its own whose first workflow task, answered here as a
 * worker would, schedules an activity on `queue`: the activity stays pending.
 */
async function waitingOnDpuQueue(workflowId: string, queue: string): Promise<void> {
  const own = `doctor-test-${workflowId}`;
  await client.workflow.start('serviceChain', { taskQueue: own, workflowId, args: [{}] });
  const task = await connection.withDeadline(Date.now() + 30_000, () =>
    connection.workflowService.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: own, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      identity: 'doctor-test',
    }),
  );
  expect(task.workflowExecution?.workflowId).toBe(workflowId);
  await connection.workflowService.respondWorkflowTaskCompleted({
    namespace: 'default',
    taskToken: task.taskToken,
    identity: 'doctor-test',
    commands: [
      {
        commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
        scheduleActivityTaskCommandAttributes: {
          activityId: '1',
          activityType: { name: 'opiCreateBridgePort' },
          taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          scheduleToCloseTimeout: msToTs('1 hour'),
        },
      },
    ],
  });
}

test('a CRD the API server does not serve: named, with how to install the CRDs', async () => {
  const ext = host.kc.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.deleteCustomResourceDefinition({ name: 'dpuservicechains.provisioning.xpuflow.dev' });
  const custom = host.kc.makeApiClient(k8s.CustomObjectsApi);
  await waitFor(
    'dpuservicechains to leave discovery',
    async () => {
      const r = await custom.getAPIResources({ group: 'provisioning.xpuflow.dev', version: 'v1alpha1' });
      return !r.resources.some((x) => x.name === 'dpuservicechains');
    },
    { timeoutMs: 30_000 },
  );
  try {
    const report = await runDoctor(env());
    expectFailed(report, ['crds']);
    expect(line(report, 'crds')).toMatchObject({
      message: 'provisioning.xpuflow.dev/v1alpha1 lacks dpuservicechains.provisioning.xpuflow.dev',
      fix: expect.stringMatching(/^install them: kubectl apply --server-side -f charts\/xpuflow\/crds\//),
    });
    expectBounded(report);
  } finally {
    // Back as it was, for the tests after this one.
    const others = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata!.name!);
    await installCrds(host.kc, 30_000, others);
  }
});

test('codec keys: a run encrypted with a key this keyring lacks is named; the keyring with it passes', async () => {
  const key = () => crypto.randomBytes(32).toString('base64');
  const writeKeys = (name: string, keys: Record<string, string>) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify({ keys }));
    return file;
  };
  const k1 = key();
  const workers = writeKeys('workers.json', { '2026-05': k1 });
  const stale = writeKeys('stale.json', { '2026-01': key() });
  const encrypting = new Client({
    connection,
    namespace: 'default',
    dataConverter: codecDataConverter({ XPUFLOW_CODEC_KEYS: workers }),
  });
  await openRun('vm-claim-encrypted', 'vmClaim', { node: 'n1' }, { node: 'n1' }, encrypting);

  const report = await runDoctor(env({ XPUFLOW_CODEC_KEYS: stale }));
  expectFailed(report, ['codec-keys']);
  expect(line(report, 'codec-keys').message).toMatch(
    /^the input of vm-claim-encrypted does not decrypt: payload encrypted with key ID "2026-05", which the keyring does not hold/,
  );
  const unset = await runDoctor(env());
  expect(line(unset, 'codec-keys')).toMatchObject({
    status: 'fail',
    message:
      'the input of vm-claim-encrypted is encrypted (key ID 2026-05), but XPUFLOW_CODEC_KEYS is not set here',
  });
  const good = await runDoctor(env({ XPUFLOW_CODEC_KEYS: workers }));
  expect(line(good, 'codec-keys')).toMatchObject({ status: 'pass' });
  expect(line(good, 'codec-keys').message).toMatch(/^keys 2026-05 from .*workers\.json encrypt and decrypt/);

  const broken = writeKeys('short.json', { k: Buffer.alloc(16).toString('base64') });
  const short = await runDoctor(env({ XPUFLOW_CODEC_KEYS: broken }));
  expect(line(short, 'codec-keys').message).toMatch(/^key "k" in .*short\.json is 16 bytes, not 32/);
  await closeRun('vm-claim-encrypted');
});
