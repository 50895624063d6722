/**
 * Two of everything, against real kube-apiservers, a real Temporal dev server
 * and the simulators: two controller processes elect a leader through a
 * coordination.k8s.io Lease and a kill -9 of the leader mid-rollout hands over
 * within about the lease duration, with no workflow run twice and every status
 * written; two control workers share the control queue and a kill -9 of the
 * one flashing a DPU flashes no DPU twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { DpuResource, DpuSetResource } from '../../model/resources/common';
import { dpuObjectName } from '../../model/resources/pci-labels';
import type { SimFleet } from '../../sim/fleet';
import { spawnController, type WorkerProcess } from '../../cli/demo/worker-processes';
import { startControlWorker } from '../support/polling-workers';
import { LeaderElector } from '../../controllers/leader-election';
import { isConflict } from '../../platform/kube/client';
import { KubeHarness, NS, TIMING } from './kube-harness';

jest.setTimeout(300_000);

const h = new KubeHarness();
const LEASE = 'xpuflow-controller';
// A renew deadline of 5 s (a leader steps down after 5 s without a renewal) under a 6 s Lease:
// a busy CPU (another file's servers on the other core) does not make the leader lose it mid-test.
const LEASE_SECONDS = 6;
const RENEW_DEADLINE_SECONDS = 5;
const RETRY_SECONDS = 1;
let fleet: SimFleet;
let names: string[];
const controllers: WorkerProcess[] = [];
const extraWorkers: WorkerProcess[] = [];

const readyAt = (d: DpuResource | undefined, gen: number) =>
  !!d &&
  d.status?.phase === 'Ready' &&
  d.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
  (d.status.observedGeneration ?? 0) >= gen;

function controller(n: number): WorkerProcess {
  const c = spawnController({
    logFile: path.join(h.dir, `controller-${n}.log`),
    env: {
      ...h.temporalEnv,
      XPUFLOW_KUBECONFIG: h.host.kubeconfigPath,
      XPUFLOW_WATCH_NAMESPACE: NS,
      XPUFLOW_DMS_BASE_PORT: String(h.dmsBasePort),
      XPUFLOW_DMS_IMAGE: 'xpuflow-dms:test',
      // The Activate of a killed control worker is retried after 12 s without a heartbeat (every 5 s), not 30.
      XPUFLOW_TIMING: JSON.stringify({ ...TIMING, heartbeatTimeoutSeconds: 12 }),
      XPUFLOW_READY_TIMEOUT_SECONDS: '60',
      XPUFLOW_LEASE_DURATION_SECONDS: String(LEASE_SECONDS),
      XPUFLOW_RENEW_DEADLINE_SECONDS: String(RENEW_DEADLINE_SECONDS),
      XPUFLOW_RETRY_PERIOD_SECONDS: String(RETRY_SECONDS),
    },
  });
  controllers.push(c);
  return c;
}

async function lease(): Promise<k8s.V1Lease | undefined> {
  const api = h.host.kc.makeApiClient(k8s.CoordinationV1Api);
  return api.readNamespacedLease({ name: LEASE, namespace: NS }).catch((err: { code?: number }) => {
    if (err.code === 404) return undefined;
    throw err;
  });
}

const set = () => h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'pair' });

/** Every workflow run, by workflow ID: a duplicate shows as an ID with two runs. */
async function runsPerId(): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  for await (const w of h.client.workflow.list()) runs.set(w.workflowId, (runs.get(w.workflowId) ?? 0) + 1);
  return runs;
}

beforeAll(async () => {
  await h.start();
  fleet = await h.hosts('pair', 2, { 'xpuflow.dev/dpu-host': 'true' }, { flashMs: 2500 });
  names = fleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress));
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb');
});
afterAll(async () => {
  await Promise.all([...controllers, ...extraWorkers].map((c) => c.stop(5_000)));
  await h.dispose();
});

test('two controllers: one holds the Lease, the other waits; kill -9 of the leader mid-rollout hands over within the lease duration, no run twice, every status written', async () => {
  const a = controller(1);
  const first = await h.waitFor('controller 1 to hold the Lease', async () => {
    const l = await lease();
    return l?.spec?.holderIdentity ? l : undefined;
  });
  expect(first.spec).toMatchObject({ leaseDurationSeconds: LEASE_SECONDS, leaseTransitions: 0 });
  expect(first.spec!.acquireTime).toBeDefined();
  const leader = first.spec!.holderIdentity!;
  controller(2);
  // The second waits: it says who holds the Lease, and the Lease stays the first's while it renews.
  await h.waitFor('controller 2 to wait for the Lease', async () =>
    fs.readFileSync(path.join(h.dir, 'controller-2.log'), 'utf8').includes(`is held by ${leader}; waiting`),
  );

  await h.kube.create('DPUSet', NS, {
    metadata: { name: 'pair' },
    spec: {
      nodeSelector: { matchLabels: { 'xpuflow.dev/dpu-host': 'true' } },
      dpuTemplate: { spec: { bfb: 'bf-2-9-1', numVfs: 2 } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  });
  for (const n of names) await h.waitFor(`${n} Ready`, async () => readyAt(await h.dpu(n), 1), 120_000);
  expect((await lease())!.spec!.holderIdentity).toBe(leader);

  // A rollout in flight: the first DPU's update has started, the second waits its turn.
  await h.kube.patch(
    'DPUSet',
    { namespace: NS, name: 'pair' },
    { spec: { dpuTemplate: { spec: { bfb: 'bf-2-9-2' } } } },
  );
  await h.waitFor('the rollout to be in flight', async () => {
    const s = await set();
    const dpus = await Promise.all(names.map((n) => h.dpu(n)));
    return !!s?.status?.rolloutWorkflowId && dpus.some((d) => d?.metadata.generation === 2 && !readyAt(d, 2));
  });
  await a.kill9();
  const killedAt = Date.now();
  const next = await h.waitFor(
    'controller 2 to take the Lease',
    async () => {
      const l = await lease();
      return l?.spec?.holderIdentity && l.spec.holderIdentity !== leader ? l : undefined;
    },
    30_000,
  );
  const handover = (Date.now() - killedAt) / 1000;
  // Expired by the standby's own clock: seen last renewed + lease duration, tried every retry period (jittered ×2.2).
  expect(handover).toBeLessThan(LEASE_SECONDS + RETRY_SECONDS * 2.2 + 2);
  expect(next.spec!.leaseTransitions).toBe(1);

  for (const n of names)
    await h.waitFor(
      `${n} Ready on the new BFB`,
      async () => {
        const d = await h.dpu(n);
        return readyAt(d, 2) && d!.spec.bfb === 'bf-2-9-2';
      },
      120_000,
    );
  const done = await h.waitFor('the DPUSet status to show the rollout complete', async () => {
    const s = await set();
    return s?.status?.conditions?.some((c) => c.reason === 'RolloutComplete') && s.status.updated === 2
      ? s
      : undefined;
  });
  expect(done.status).toMatchObject({ dpus: 2, ready: 2, updated: 2, failed: 0 });
  for (const d of fleet.dpus) expect(d.dms.counters.flashes).toBe(2);
  const runs = await runsPerId();
  expect([...runs].filter(([, n]) => n > 1)).toEqual([]);
  expect([...runs.keys()].filter((id) => id.startsWith('dpuset-rollout-') && /-g\d+$/.test(id))).toHaveLength(
    1,
  );
});

test('two control workers share the control queue: kill -9 of the one flashing a DPU flashes no DPU twice', async () => {
  extraWorkers.push(
    await startControlWorker(h.client, {
      dir: path.join(h.dir, 'control-2'),
      logFile: path.join(h.dir, 'control-2.log'),
      env: { ...h.temporalEnv, XPUFLOW_KUBECONFIG: h.host.kubeconfigPath },
    }),
  );
  const flashesBefore = fleet.dpus.map((d) => d.dms.counters.flashes);
  const held = fleet.dpus[0].dms.holdAt('after-activate');
  await h.kube.patch(
    'DPUSet',
    { namespace: NS, name: 'pair' },
    { spec: { dpuTemplate: { spec: { bfb: 'bf-2-9-1' } } } },
  );
  await held.reached;
  // Which worker runs the held Activate: the pending activity's last worker (`<pid>@<host>`).
  const identity = await h.waitFor('the worker running the held activity', async () => {
    for await (const w of h.client.workflow.list({ query: "ExecutionStatus = 'Running'" })) {
      const d = await h.client.workflow.getHandle(w.workflowId, w.runId).describe();
      const who = d.raw.pendingActivities?.find(
        (p) => p.activityType?.name === 'dmsActivate' && p.lastWorkerIdentity,
      )?.lastWorkerIdentity;
      if (who) return who;
    }
    return undefined;
  });
  const pid = Number(identity.split('@')[0]);
  const victim = [...h.processes(), ...extraWorkers].find((w) => w.proc.pid === pid);
  expect(victim).toBeDefined();
  await victim!.kill9();
  await held.callerGone;
  held.release();

  for (const n of names)
    await h.waitFor(
      `${n} Ready on the first BFB again`,
      async () => {
        const d = await h.dpu(n);
        return readyAt(d, 3) && d!.spec.bfb === 'bf-2-9-1';
      },
      150_000,
    );
  expect(fleet.dpus.map((d, i) => d.dms.counters.flashes - flashesBefore[i])).toEqual([1, 1]);
  const runs = await runsPerId();
  expect([...runs].filter(([, n]) => n > 1)).toEqual([]);
});

test('a Lease is taken only once expired by the observer’s own clock (not its renewTime), by one of two racing electors; a graceful stop releases it', async () => {
  const api = h.host.kc.makeApiClient(k8s.CoordinationV1Api);
  const anHourAgo = new k8s.V1MicroTime(Date.now() - 3_600_000);
  // Held by a replica whose clock is an hour behind: by renewTime it expired long ago, yet it may be renewing.
  await api.createNamespacedLease({
    namespace: NS,
    body: {
      metadata: { name: 'clock-test' },
      spec: {
        holderIdentity: 'skewed-replica',
        leaseDurationSeconds: 3,
        acquireTime: anHourAgo,
        renewTime: anHourAgo,
        leaseTransitions: 5,
      },
    },
  });
  const lines: string[] = [];
  const electors = [1, 2].map(
    (n) =>
      new LeaderElector({
        kc: h.host.kc,
        namespace: NS,
        name: 'clock-test',
        identity: `elector-${n}`,
        leaseDurationSeconds: 3,
        renewDeadlineSeconds: 2,
        retryPeriodSeconds: 0.5,
        log: (l) => lines.push(l),
      }),
  );
  const started = Date.now();
  const acquired = await Promise.race(electors.map((e) => e.acquire().then(() => e)));
  const waited = (Date.now() - started) / 1000;
  // Not before 3 s of seeing the record unchanged (the first look starts the clock).
  expect(waited).toBeGreaterThanOrEqual(3);
  const other = electors.find((e) => e !== acquired)!;
  const taken = (await api.readNamespacedLease({ name: 'clock-test', namespace: NS })).spec!;
  expect(taken).toMatchObject({
    holderIdentity: acquired.identity,
    leaseTransitions: 6,
    leaseDurationSeconds: 3,
  });
  // The other keeps waiting while the holder renews.
  const renewing = acquired.renewUntilLost();
  await new Promise((r) => setTimeout(r, 4_000));
  expect(other.isLeader).toBe(false);
  expect((await api.readNamespacedLease({ name: 'clock-test', namespace: NS })).spec!.holderIdentity).toBe(
    acquired.identity,
  );
  // A graceful stop gives the Lease up (no holder, 1 s), and the waiting one takes it at once.
  acquired.stop();
  expect(await renewing).toBe('stopped');
  await acquired.release();
  const released = Date.now();
  await h.waitFor(
    'the other elector to take the released Lease',
    async () => other.isLeader || undefined,
    10_000,
  );
  expect((Date.now() - released) / 1000).toBeLessThan(3);
  other.stop();
});

test('a controller stopped gracefully (SIGTERM) releases the Lease once its controllers have stopped', async () => {
  const holder = (await lease())!.spec!.holderIdentity!;
  const leading = controllers.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
  expect(leading).toHaveLength(1);
  await leading[0].stop(10_000);
  expect(await leading[0].exited).toBe(0);
  const released = (await lease())!.spec!;
  expect(released).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  expect(fs.readFileSync(leading[0].logFile, 'utf8')).toContain(`${holder} released Lease ${NS}/${LEASE}`);
});

test('a leader whose renewals fail (409: another writer took the Lease) gives up after the renew deadline, not before', async () => {
  const api = h.host.kc.makeApiClient(k8s.CoordinationV1Api);
  const elector = new LeaderElector({
    kc: h.host.kc,
    namespace: NS,
    name: 'renew-test',
    identity: 'leader-1',
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 2,
    retryPeriodSeconds: 0.5,
    log: () => undefined,
  });
  expect(await elector.acquire()).toBe(true);
  const renewing = elector.renewUntilLost();
  await new Promise((r) => setTimeout(r, 1_500));
  // Another writer replaces the Lease (as a replica that wrongly judged it expired would). The
  // leader renews every 0.5 s: a renewal between the thief's read and its write makes the write a
  // 409, and the thief reads again, as any optimistic writer does.
  for (let tries = 1; ; tries++) {
    const l = await api.readNamespacedLease({ name: 'renew-test', namespace: NS });
    try {
      await api.replaceNamespacedLease({
        name: 'renew-test',
        namespace: NS,
        body: {
          ...l,
          spec: { ...l.spec, holderIdentity: 'thief', renewTime: new k8s.V1MicroTime(Date.now()) },
        },
      });
      break;
    } catch (err) {
      if (!isConflict(err) || tries === 5) throw err;
    }
  }
  const stolenAt = Date.now();
  expect(await renewing).toBe('lost');
  const after = (Date.now() - stolenAt) / 1000;
  // Not at the first 409: it retries until the renew deadline (2 s from the round's start, at most 0.5 s before the steal).
  expect(after).toBeGreaterThan(1);
  expect(after).toBeLessThan(2 + 0.5 + 1); // renew deadline, one retry period, slack
  expect(elector.isLeader).toBe(false);
  // It never wrote over the thief.
  expect((await api.readNamespacedLease({ name: 'renew-test', namespace: NS })).spec!.holderIdentity).toBe(
    'thief',
  );
  elector.stop();
});
