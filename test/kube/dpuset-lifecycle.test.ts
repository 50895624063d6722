/**
 * The DPU lifecycle in Kubernetes, against real kube-apiservers (host and DPU
 * cluster), a real Temporal dev server and the simulators: a DPUSet yields
 * DPUs that reach Ready with status and events right, a controller restart
 * starts nothing twice, a new BFB rolls with maxUnavailable honoured, a bad
 * BFB stops at the failure budget.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DPU_FINALIZER,
  DPU_NODE_LABEL,
  HOST_NODE_LABEL,
  type DpuResource,
  type DpuSetResource,
} from '../../model/resources/common';
import { dpuObjectName } from '../../model/resources/pci-labels';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import type { SimFleet } from '../../sim/fleet';
import { sampleSeries, samplesOf, scrape } from '../support/metrics-scrape';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(300_000);

const h = new KubeHarness();

/** A history with its payloads as text (Buffers included, which JSON.stringify would turn into byte arrays). */
function historyText(x: unknown): string {
  if (x instanceof Uint8Array) return Buffer.from(x).toString();
  if (Array.isArray(x)) return x.map(historyText).join('\n');
  if (x && typeof x === 'object') return Object.values(x).map(historyText).join('\n');
  return String(x);
}
let fleet: SimFleet;
let names: string[];

const readyAt = (d: DpuResource | undefined, gen?: number) =>
  !!d &&
  d.status?.phase === 'Ready' &&
  d.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
  (d.status.observedGeneration ?? 0) >= (gen ?? d.metadata.generation ?? 0);

beforeAll(async () => {
  await h.start();
  fleet = await h.hosts('rack1', 3, { 'xpuflow.dev/dpu-host': 'true' });
  names = fleet.dpus.map((d) => dpuObjectName(d.host.node, d.spec.pciAddress));
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.startControllers();
});
afterAll(() => h.dispose());

/** A DPU object's provisioning run, Ready without a retry: its history's bounds (measured: see the README's "Worker tuning"). */
const MAX_EVENTS_PER_KUBE_DPU = 125;
const MAX_WORKFLOW_TASKS_PER_KUBE_DPU = 18;
/** A DPU object's update run in a rollout, Ready: its history's bounds (measured: see the README's "Status writes of a DPU object"). */
const MAX_EVENTS_PER_KUBE_UPDATE = 125;
const MAX_WORKFLOW_TASKS_PER_KUBE_UPDATE = 18;

test('a DPUSet over 3 labelled hosts yields 3 DPUs that reach Ready, with status and events; a controller restart starts nothing twice', async () => {
  await h.kube.create('DPUSet', NS, {
    metadata: { name: 'rack1' },
    spec: {
      nodeSelector: { matchLabels: { 'xpuflow.dev/dpu-host': 'true' } },
      dpuTemplate: {
        spec: {
          bfb: 'bf-2-9-1',
          numVfs: 4,
          nodeEffect: { cordon: true },
          cluster: { name: 'dpu-cluster', nodeLabels: { 'xpuflow.dev/role': 'dpu' } },
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  });
  await h.waitFor('3 DPU objects', async () => (await h.kube.list<DpuResource>('DPU', NS)).length === 3);

  // Restart the controllers while the DPUs provision.
  await h.waitFor('a DPU in OS Installing', async () =>
    (await h.kube.list<DpuResource>('DPU', NS)).some((d) => d.status?.phase === 'OS Installing'),
  );
  await h.stopControllers();
  await sleep(1000);
  await h.startControllers();

  for (const n of names) await h.waitFor(`${n} Ready`, async () => readyAt(await h.dpu(n)));

  for (const [i, n] of names.entries()) {
    const d = (await h.dpu(n))!;
    expect(d.metadata.finalizers).toContain(DPU_FINALIZER);
    expect(d.status!.observedGeneration).toBe(d.metadata.generation);
    expect(d.status!.workflowId).toBe(`provision-dpu-${NS}-${n}-g1`);
    expect(d.status!.workflowUrl).toContain(encodeURIComponent(`dpu-${NS}-${n}`));
    const types = d.status!.conditions!.filter((c) => c.status === 'True').map((c) => c.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'Initialized',
        'NodeEffectApplied',
        'BFBReady',
        'DMSReady',
        'OSInstalled',
        'Rebooted',
        'HostNetworkConfigured',
        'DPUClusterJoined',
        'Ready',
      ]),
    );
    // sysfs: the VFs exist; the host node is schedulable again; the DPU is a labelled node of the DPU cluster.
    expect(fleet.dpus[i].dms.counters.flashes).toBe(1);
    const host = await h.kube.getNode(fleet.hosts[i].node);
    expect(host!.spec?.unschedulable).toBeFalsy();
    // The DPU joined with the bf.cfg DMS flashed: as its own node identity, under its namespaced name.
    const nodeName = dpuClusterNodeName(NS, n);
    expect(h.joins!.outcomes.get(fleet.dpus[i].dms.address)).toMatchObject({
      state: 'joined',
      node: nodeName,
      joined: { username: `system:node:${nodeName}` },
    });
    const dpuNode = await h.dpuKube.getNode(nodeName);
    expect(dpuNode!.metadata!.labels).toMatchObject({
      'xpuflow.dev/role': 'dpu',
      [DPU_NODE_LABEL]: nodeName,
      [HOST_NODE_LABEL]: fleet.hosts[i].node,
    });
    const reasons = (await h.events(n)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['PhaseChanged', 'Ready']));
  }

  // One lifecycle and one provisioning run per DPU, despite the restart.
  const lifecycles = await h.workflowIds('dpuLifecycle');
  expect(lifecycles.sort()).toEqual(
    names.map((n) => expect.stringMatching(new RegExp(`^dpu-${NS}-${n}-[0-9a-f]{8}$`))),
  );
  const provisions = await h.workflowIds('provisionDpu');
  expect(provisions.sort()).toEqual(names.map((n) => `provision-dpu-${NS}-${n}-g1`).sort());
  // provision-dpu-kube-ready.json and provision-dpu-kube-ready-fewer-events.json keep runs of the older
  // paths (patched), for replay; this one writes status in local activities (workflows/dpu/fewer-events.ts).
  h.captureHistory(provisions[0], 'provision-dpu-kube-ready-status-with-work.json');

  // Only a join token's ID enters history, never its secret (payloads read as text), though the
  // secret reached each DPU: the bf.cfg DMS flashed carries it in its kubeadm join command.
  const tokens = (
    await h.dpuKube.core.listNamespacedSecret({ namespace: 'kube-system', labelSelector: DPU_NODE_LABEL })
  ).items.map((t) => ({
    id: Buffer.from(t.data!['token-id'], 'base64').toString(),
    secret: Buffer.from(t.data!['token-secret'], 'base64').toString(),
  }));
  expect(tokens).toHaveLength(3);
  const fetched = await Promise.all(provisions.map((id) => h.client.workflow.getHandle(id).fetchHistory()));
  // Issue 16: each status write rides in the workflow task that goes on to the work (a local
  // activity's marker), never an activity and a workflow task of its own. The path before this
  // took 165 events and 25 workflow tasks per DPU here, 9 of its 24 activities kubeReportDpu.
  for (const history of fetched) {
    const events = history.events ?? [];
    const scheduled = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).not.toContain('kubeReportDpu');
    expect(events.filter((e) => e.workflowTaskScheduledEventAttributes).length).toBeLessThanOrEqual(
      MAX_WORKFLOW_TASKS_PER_KUBE_DPU,
    );
    expect(events.length).toBeLessThanOrEqual(MAX_EVENTS_PER_KUBE_DPU);
  }
  const histories = fetched.map(historyText);
  const flashedCfgs = await Promise.all(
    fleet.dpus.map(async (d) => {
      const st = await d.dms.state();
      return st.stagedImages.find((img) => img.version === st.runningCfg)?.content ?? '';
    }),
  );
  for (const t of tokens) {
    expect(flashedCfgs.filter((c) => c.includes(`'--token' '${t.id}.${t.secret}'`))).toHaveLength(1);
    expect(histories.some((x) => x.includes(t.id))).toBe(true);
    expect(provisions.filter((_id, i) => histories[i].includes(t.secret))).toEqual([]); // the runs that hold it
  }

  const set = await h.waitFor('DPUSet counts', async () => {
    const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'rack1' });
    return s?.status?.ready === 3 ? s : undefined;
  });
  expect(set.status).toMatchObject({ dpus: 3, ready: 3, updated: 3, failed: 0 });

  // The control worker's rollout gauge carries only rollouts that reported progress: none is seeded.
  const rollouts = await h.workflowIds('dpusetRollout');
  const series = samplesOf(await scrape(h.metricsUrl), 'xpuflow_rollout_progress_ratio');
  expect(series.map((x) => x.labels.rollout).filter((r) => !rollouts.includes(r))).toEqual([]);
});

test('a new BFB rolls the DPUSet with maxUnavailable=1: never two DPUs down at once', async () => {
  await h.createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb');
  const from = h.dpuEvents.length;
  const gauge = sampleSeries(h.metricsUrl, 'xpuflow_rollout_progress_ratio', 'rollout');
  const joinedBefore = fleet.dpus.map((d) => {
    const o = h.joins!.outcomes.get(d.dms.address);
    return o?.state === 'joined' ? o.joined.csrName : undefined;
  });
  expect(joinedBefore.every((csr) => csr !== undefined)).toBe(true);
  const rolledAt = Date.now();
  await h.kube.patch(
    'DPUSet',
    { namespace: NS, name: 'rack1' },
    { spec: { dpuTemplate: { spec: { bfb: 'bf-2-9-2' } } } },
  );
  for (const n of names) {
    await h.waitFor(
      `${n} Ready on the new BFB`,
      async () => {
        const d = await h.dpu(n);
        return readyAt(d, 2) && d!.spec.bfb === 'bf-2-9-2';
      },
      120_000,
    );
  }
  // Replay the watch: at no moment were two DPUs not Ready (and each was down once).
  const seen = h.dpuEvents.slice(from);
  for (const n of names) expect(seen.some((e) => e.name === n && !e.ready)).toBe(true);
  const ready = new Map(names.map((n) => [n, true]));
  let worst = 0;
  for (const e of seen) {
    ready.set(e.name, e.ready);
    worst = Math.max(worst, [...ready.values()].filter((r) => !r).length);
  }
  expect(worst).toBe(1);
  for (const d of fleet.dpus) expect(d.dms.counters.flashes).toBe(2);
  // Each reflashed DPU joined again, at its first try: its old Node left the DPU cluster before the
  // flash (removeDpuNode), so kubeadm join was not refused over a Ready Node of its name, and the DPU
  // was Ready on the new Node, not on the old one its kubelet no longer reports.
  for (const [i, d] of fleet.dpus.entries()) {
    const st = await d.dms.state();
    const joined = h.joins!.outcomes.get(d.dms.address);
    expect(joined).toMatchObject({ state: 'joined', cfg: st.runningCfg });
    expect(joined?.state === 'joined' && joined.joined.csrName).not.toBe(joinedBefore[i]);
    const node = await h.dpuKube.getNode(dpuClusterNodeName(NS, names[i]));
    expect(new Date(node!.metadata!.creationTimestamp!).getTime()).toBeGreaterThanOrEqual(
      Math.floor(rolledAt / 1000) * 1000,
    );
  }
  const set = await h.waitFor('DPUSet rollout complete', async () => {
    const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'rack1' });
    return s?.status?.conditions?.find(
      (c) => c.type === 'RolloutProgressing' && c.reason === 'RolloutComplete',
    )
      ? s
      : undefined;
  });
  expect(set.status).toMatchObject({ dpus: 3, ready: 3, updated: 3 });
  // The control worker's /metrics followed this rollout DPU by DPU: 0, 1/3, 2/3, 1.
  await h.waitFor('rollout progress 1 on /metrics', async () =>
    gauge.seen.get(set.status!.rolloutWorkflowId!)?.includes(1),
  );
  const progress = (await gauge.stop()).get(set.status!.rolloutWorkflowId!)!;
  expect(progress.map((v) => Math.round(v * 3))).toEqual([0, 1, 2, 3]);
  const updates = await h.workflowIds('updateDpu');
  expect(updates).toHaveLength(3);
  const children = await h.workflowIds('rolloutDpu');
  expect(children).toHaveLength(3);
  // Issue 16: the update's status writes, the rollout's status writes and health reads, and each
  // child's spec write are local activities (UPDATE_STATUS_WITH_WORK, LOCAL_KUBE_CALLS), never an
  // activity and a workflow task of their own. Measured here: an update 121 events and 16 workflow
  // tasks (127 and 17 with UpdateStarted an activity; 234 and 38 on the oldest path), a rollout
  // child 12 events and 2 workflow tasks (17 and 3 before).
  const cost = async (id: string) => {
    const events = (await h.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    return {
      events: events.length,
      tasks: events.filter((e) => e.workflowTaskScheduledEventAttributes).length,
      activities: events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
    };
  };
  const rolloutCost = await cost(set.status!.rolloutWorkflowId!);
  const updateCosts = await Promise.all(updates.map(cost));
  const childCosts = await Promise.all(children.map(cost));
  expect(rolloutCost.activities).toEqual([]);
  for (const c of updateCosts) {
    expect(c.activities).not.toContain('kubeReportDpu');
    expect(c.events).toBeLessThanOrEqual(MAX_EVENTS_PER_KUBE_UPDATE);
    expect(c.tasks).toBeLessThanOrEqual(MAX_WORKFLOW_TASKS_PER_KUBE_UPDATE);
  }
  for (const c of childCosts) {
    expect(c.activities).toEqual(['awaitDpuSettled']);
    // Two workflow tasks (the write and the wait's start, then the end); one more if a slow API
    // server made the write heartbeat its task.
    expect(c.tasks).toBeLessThanOrEqual(3);
  }
  // dpuset-rollout-complete.json, dpuset-rollout-local-kube-calls.json and update-dpu-ready.json keep runs
  // of the older paths (patched), for replay.
  h.captureHistory(set.status!.rolloutWorkflowId!, 'dpuset-rollout-refill-at-once.json');
  h.captureHistory(children[0], 'rollout-dpu-local-update.json');
  h.captureHistory(updates[0], 'update-dpu-status-with-work.json');
  h.captureHistory((await h.workflowIds('dpuLifecycle'))[0], 'dpu-lifecycle-updated.json');
});

test('a BFB that fails its checksum stops the rollout at the failure budget', async () => {
  await h.createBfb('bf-broken', 'bf-bundle-2.9.1.bfb', 'f'.repeat(64));
  await h.kube.patch(
    'DPUSet',
    { namespace: NS, name: 'rack1' },
    { spec: { failureBudget: 0, dpuTemplate: { spec: { bfb: 'bf-broken' } } } },
  );
  const set = await h.waitFor(
    'RolloutStopped',
    async () => {
      const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'rack1' });
      return s?.status?.conditions?.find(
        (c) => c.type === 'RolloutProgressing' && c.reason === 'RolloutStopped',
      )
        ? s
        : undefined;
    },
    120_000,
  );
  const stopped = set.status!.conditions!.find((c) => c.reason === 'RolloutStopped')!;
  expect(stopped.message).toMatch(/1 DPUs failed \(budget 0\)/);
  expect(stopped.message).toContain('sha256');
  const dpus = await Promise.all(names.map((n) => h.dpu(n)));
  const broken = dpus.filter((d) => d!.spec.bfb === 'bf-broken');
  expect(broken).toHaveLength(1);
  expect(broken[0]!.status!.phase).toBe('Error');
  // The others were never touched: still Ready on the previous BFB.
  for (const d of dpus.filter((x) => x!.spec.bfb !== 'bf-broken')) {
    expect(d!.spec.bfb).toBe('bf-2-9-2');
    expect(readyAt(d)).toBe(true);
  }
  const warnings = (await h.events('rack1')).filter((e) => e.type === 'Warning').map((e) => e.reason);
  expect(warnings).toContain('RolloutStopped');
});

test('a paused rollout launches nothing until resumed; the DPU left in Error is updated first', async () => {
  const ref = { namespace: NS, name: 'rack1' };
  await h.kube.patch('DPUSet', ref, {
    spec: { paused: true, failureBudget: 1, dpuTemplate: { spec: { bfb: 'bf-2-9-1' } } },
  });
  const started = await h.waitFor('a rollout for the new template', async () => {
    const s = await h.kube.get<DpuSetResource>('DPUSet', ref);
    return s?.status?.rolloutWorkflowId &&
      /-g\d+$/.test(s.status.rolloutWorkflowId) &&
      s.metadata.generation === s.status.observedGeneration
      ? s
      : undefined;
  });
  const flashesBefore = fleet.dpus.map((d) => d.dms.counters.flashes);
  await sleep(3000);
  const specs = await Promise.all(names.map((n) => h.dpu(n)));
  expect(specs.filter((d) => d!.spec.bfb === 'bf-2-9-1')).toHaveLength(0);
  expect(fleet.dpus.map((d) => d.dms.counters.flashes)).toEqual(flashesBefore);

  const brokenDpu = specs.find((d) => d!.spec.bfb === 'bf-broken')!.metadata.name;
  const genBefore = new Map(specs.map((d) => [d!.metadata.name, d!.metadata.generation ?? 0]));
  const from = h.dpuEvents.length;
  await h.kube.patch('DPUSet', ref, { spec: { paused: false } });
  for (const n of names) {
    await h.waitFor(
      `${n} Ready on bf-2-9-1`,
      async () => {
        const d = await h.dpu(n);
        return readyAt(d) && d!.spec.bfb === 'bf-2-9-1';
      },
      120_000,
    );
  }
  // The broken DPU (already down) went first; the same rollout ran paused and resumed.
  const firstUpdated = h.dpuEvents.slice(from).find((e) => e.generation > genBefore.get(e.name)!);
  expect(firstUpdated?.name).toBe(brokenDpu);
  const s = await h.kube.get<DpuSetResource>('DPUSet', ref);
  expect(s!.status!.rolloutWorkflowId).toBe(started.status!.rolloutWorkflowId);
});
