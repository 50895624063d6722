/**
 * One DPU object at a time, against real kube-apiservers: deleting a DPU runs
 * the delete flow and releases the finalizer; a drain honours a
 * PodDisruptionBudget and times out with a clear condition (on a host that is
 * a real node: its kubelet runs and stops the pods, the real
 * kube-controller-manager's disruption controller keeps the budget); bad input is
 * refused by the API server or shown as a clear condition; two DPUs of one
 * name in two namespaces get their own DMS pods, DPU-cluster nodes, workflow
 * IDs and DPU worker queues, and deleting one leaves the other's alone.
 */
import * as k8s from '@kubernetes/client-node';
import * as path from 'node:path';
import { apiMessage } from '../../platform/kube/client';
import { startControllers } from '../../controllers/manager';
import { registerDpuCluster } from '../../sim/kube/dpu-cluster';
import { dpuTaskQueue } from '../../model/task-queues';
import { dpuWorkerQueue } from '../../workers/dpu/worker';
import { timestampedLog } from '../support/log-tails';
import { dmsPodName } from '../../model/dpu';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import type { DpuClusterResource, DpuResource, DpuSetResource } from '../../model/resources/common';
import type { SimFleet } from '../../sim/fleet';
import { readNumVfs } from '../../activities/sysfs';
import { startControllerManager, type RunningControllerManager } from '../../sim/kube/controller-manager';
import { requirePrerequisites } from '../support/prerequisites';
import { TEST_IMAGE } from '../support/real-node-tools';
import { KubeHarness, NS, TIMING } from './kube-harness';
import { holdLock, LOCKS } from '../support/exclusive-lock';

jest.setTimeout(240_000);

const h = new KubeHarness();
const { test: testOnRealNode } = requirePrerequisites('the drain on a real node', ['kubelet-node']);
let kcm: RunningControllerManager | undefined;
/** The simulated hosts of the tests, started together: one host-workers process, not one per test. */
let fleets: Record<'solo' | 'pci' | 'later' | 'manual' | 'twin', SimFleet>;

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.startControllers();
  const [solo, pci, later, manual, twin] = await h.hostGroups([
    { prefix: 'solo', count: 1, labels: {} },
    { prefix: 'pci', count: 1, labels: {} },
    { prefix: 'later', count: 2, labels: { rack: 'later' } },
    { prefix: 'manual', count: 1, labels: {} },
    { prefix: 'twin', count: 2, labels: {} },
  ]);
  fleets = { solo, pci, later, manual, twin };
});
afterAll(async () => {
  await kcm?.stop();
  await h.dispose();
});
// One real node on the machine at a time (test/support/real-node.ts): held for the whole file, so the
// wait for test/kube/real-node.test.ts is not taken from a test's time and the sequencer keeps them apart.
// After the afterAll above: jest runs one block's afterAll hooks in the order they are declared, and
// h.dispose() stops the real node that also holds it.
holdLock(LOCKS.realKubelet);

const dpuObject = (name: string, node: string, pciAddress: string, extra: object = {}) => ({
  metadata: { name },
  spec: {
    nodeName: node,
    pciAddress,
    bfb: 'bf-2-9-1',
    numVfs: 2,
    cluster: { name: 'dpu-cluster' },
    ...extra,
  },
});

test('deleting a DPU runs the delete flow and releases the finalizer', async () => {
  const fleet = fleets.solo;
  const node = fleet.hosts[0].node;
  const pci = fleet.dpus[0].spec.pciAddress;
  await h.kube.create('DPU', NS, dpuObject('solo-dpu', node, pci));
  await h.waitFor('solo-dpu Ready', async () => (await h.dpu('solo-dpu'))?.status?.phase === 'Ready');
  expect(await readNumVfs(fleet.hosts[0].sysfsRoot, pci)).toBe(2);
  // The API server took the DMS pod in DPF's layout (model/dms-pod.ts), filled in for this DPU.
  const dmsPod = await h.kube.getPod(NS, dmsPodName('solo-dpu'));
  expect(dmsPod?.spec?.hostNetwork).toBe(true);
  expect(dmsPod?.spec?.initContainers?.map((c) => c.name)).toEqual(['rshim-preflight', 'dms-init']);
  expect(dmsPod?.spec?.initContainers?.[1].args?.[0]).toContain(`--kube-node-ref ${node} --dms-port `);
  expect(dmsPod?.spec?.volumes).toContainEqual(
    expect.objectContaining({
      name: 'server-volume',
      secret: expect.objectContaining({ secretName: `${node}-server-secret` }),
    }),
  );
  expect(dmsPod?.spec?.containers[0].image).toBe('xpuflow-dms:test');
  expect(await h.dpuKube.getNode(dpuClusterNodeName(NS, 'solo-dpu'))).toBeDefined();

  await h.kube.delete('DPU', { namespace: NS, name: 'solo-dpu' });
  await h.waitFor('solo-dpu gone', async () => (await h.dpu('solo-dpu')) === undefined);
  expect(await readNumVfs(fleet.hosts[0].sysfsRoot, pci)).toBe(0);
  await h.waitFor(
    'DMS pod gone',
    async () => (await h.kube.getPod(NS, dmsPodName('solo-dpu'))) === undefined,
  );
  await h.waitFor(
    'DPU node gone from the DPU cluster',
    async () => (await h.dpuKube.getNode(dpuClusterNodeName(NS, 'solo-dpu'))) === undefined,
    10_000,
  );
  expect((await h.kube.getNode(node))!.spec?.unschedulable).toBeFalsy();
  expect(await h.workflowIds('deleteDpu')).toEqual(['delete-dpu-xpuflow-test-solo-dpu']);
  // Issue 16: the delete's status write, Kubernetes undos and finalizer release are local
  // activities (DELETE_STATUS_WITH_WORK); only the host worker's step is an activity. Measured
  // here: 20 events, 2 workflow tasks (43 and 7 before, 6 activities).
  const events =
    (await h.client.workflow.getHandle('delete-dpu-xpuflow-test-solo-dpu').fetchHistory()).events ?? [];
  expect(events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [])).toEqual([
    'restoreVfs',
  ]);
  // Two workflow tasks (before and after restoreVfs); one more if a slow API server made a local activity heartbeat its task.
  expect(events.filter((e) => e.workflowTaskScheduledEventAttributes).length).toBeLessThanOrEqual(3);
  // delete-dpu.json is a run from before the undos ran in reverse phase order (the
  // patch's old branch), delete-dpu-reverse-phase-order.json one before the local
  // activities; this one is the newest path. All must replay.
  h.captureHistory('delete-dpu-xpuflow-test-solo-dpu', 'delete-dpu-status-with-work.json');
});

testOnRealNode(
  'a drain honours a PodDisruptionBudget and times out with a clear condition; the node effect is undone',
  async () => {
    const fleet = await h.hosts('drain', 1, {}, { realNode: true });
    const node = fleet.hosts[0].node;
    kcm = startControllerManager(h.host, h.dir, ['disruption-controller']);
    // Host-network busybox pods on the real node (the image imported, never pulled), Ready once running;
    // each exits on SIGTERM, so an evicted one is gone within a second or two.
    const pod = (name: string, labels: Record<string, string>) =>
      h.kube.core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name, labels },
          spec: {
            nodeName: node,
            hostNetwork: true,
            terminationGracePeriodSeconds: 10,
            containers: [
              {
                name: 'c',
                image: TEST_IMAGE,
                imagePullPolicy: 'Never',
                command: ['/bin/sh', '-c', "trap 'exit 0' TERM; touch /tmp/up; while :; do sleep 1; done"],
                readinessProbe: { exec: { command: ['test', '-f', '/tmp/up'] }, periodSeconds: 1 },
              },
            ],
          },
        },
      });
    await pod('db-0', { app: 'db' });
    await pod('web-0', { app: 'web' });
    const policy = h.host.kc.makeApiClient(k8s.PolicyV1Api);
    await policy.createNamespacedPodDisruptionBudget({
      namespace: NS,
      body: { metadata: { name: 'db' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } },
    });
    // The kubelet runs db-0 to Ready; the disruption controller then counts it and allows no disruption.
    await h.waitFor('PodDisruptionBudget db settled: db-0 healthy, no disruption allowed', async () => {
      const b = await policy.readNamespacedPodDisruptionBudget({ namespace: NS, name: 'db' });
      return (
        b.status?.observedGeneration === b.metadata?.generation &&
        b.status?.currentHealthy === 1 &&
        b.status?.disruptionsAllowed === 0
      );
    });
    await h.waitFor('web-0 Ready', async () => {
      const p = await h.kube.getPod(NS, 'web-0');
      return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && p;
    });

    await h.kube.create(
      'DPU',
      NS,
      dpuObject('drain-dpu', node, fleet.dpus[0].spec.pciAddress, {
        nodeEffect: { drain: { timeoutSeconds: 3 } },
      }),
    );
    const failed = await h.waitFor('drain-dpu in Error', async () => {
      const d = await h.dpu('drain-dpu');
      if (d?.status?.phase === 'Ready') throw new Error(JSON.stringify(d.status.conditions));
      return d?.status?.phase === 'Error' ? d : undefined;
    });
    const ready = failed.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.status).toBe('False');
    expect(failed.status!.message).toMatch(/drain of node drain-host-01 timed out after 3 s/);
    expect(failed.status!.message).toContain(`${NS}/db-0`);
    expect(failed.status!.message).toMatch(/disruption budget/i);
    const effect = failed.status!.conditions!.find((c) => c.type === 'NodeEffectApplied')!;
    expect(effect.status).toBe('False');
    // The unprotected pod was evicted, stopped by the kubelet, which then deleted it; the protected one
    // stayed, untouched; the node is schedulable again.
    await h.waitFor('web-0 evicted and gone', async () => (await h.kube.getPod(NS, 'web-0')) === undefined);
    const db = await h.kube.getPod(NS, 'db-0');
    expect(db?.metadata?.deletionTimestamp).toBeUndefined();
    expect(db?.status?.phase).toBe('Running');
    expect((await h.kube.getNode(node))!.spec?.unschedulable).toBeFalsy();
    expect(
      (await h.events('drain-dpu')).some((e) => e.type === 'Warning' && e.reason === 'ProvisioningFailed'),
    ).toBe(true);
    // Nothing was flashed.
    expect(fleet.dpus[0].dms.counters.flashes).toBe(0);
    h.captureHistory(failed.status!.workflowId!, 'provision-dpu-kube-drain-timeout.json');
  },
);

test('the API server refuses invalid objects with a message that names the field', async () => {
  const refused = async (kind: 'DPU' | 'DPUSet' | 'BFB', body: object) => {
    try {
      await h.kube.create(kind, NS, body);
    } catch (err) {
      return apiMessage(err);
    }
    throw new Error(`${kind} was accepted: ${JSON.stringify(body)}`);
  };
  expect(await refused('DPU', dpuObject('bad-pci', 'somewhere', '03:00.0'))).toMatch(/spec\.pciAddress/);
  expect(
    await refused('BFB', {
      metadata: { name: 'ftp' },
      spec: { url: 'ftp://x/y.bfb', sha256: 'a'.repeat(64) },
    }),
  ).toMatch(/spec\.url/);
  expect(
    await refused('DPUSet', {
      metadata: { name: 'bad-mu' },
      spec: {
        dpuTemplate: { spec: { bfb: 'bf-2-9-1' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 'ten' } },
      },
    }),
  ).toMatch(/spec\.strategy\.rollingUpdate\.maxUnavailable/);
  expect(
    await refused(
      'DPU',
      dpuObject('two-effects', 'somewhere', '0000:03:00.0', {
        nodeEffect: { drain: {}, taint: { key: 'k', effect: 'NoSchedule' } },
      }),
    ),
  ).toMatch(/nodeEffect/);
  // Immutability: a DPU cannot move to another node.
  await h.kube.create('DPU', NS, dpuObject('pinned', 'nowhere', '0000:03:00.0'));
  let msg = '';
  await h.kube
    .patch('DPU', { namespace: NS, name: 'pinned' }, { spec: { nodeName: 'elsewhere' } })
    .catch((e) => (msg = apiMessage(e)));
  expect(msg).toMatch(/spec\.nodeName is immutable/);
});

test('a DPU on a node that does not exist, or at a PCI address the node does not report, gets a clear Error condition', async () => {
  await h.waitFor('pinned in Error (node missing)', async () => {
    const d = await h.dpu('pinned');
    const r = d?.status?.conditions?.find((c) => c.type === 'Ready');
    return (
      r?.reason === 'NodeNotFound' &&
      d!.status!.phase === 'Error' &&
      /node nowhere does not exist/.test(r.message)
    );
  });
  const fleet = fleets.pci;
  await h.kube.create('DPU', NS, dpuObject('wrong-pci', fleet.hosts[0].node, '0000:af:00.0'));
  const d = await h.waitFor('wrong-pci in Error', async () => {
    const x = await h.dpu('wrong-pci');
    return x?.status?.conditions?.find((c) => c.reason === 'PCIAddressNotReported') ? x : undefined;
  });
  expect(d.status!.message).toContain('does not report a DPU at 0000:af:00.0');
  expect(d.status!.message).toContain(fleet.dpus[0].spec.pciAddress);
  // No flow started for either.
  const lifecycles = await h.workflowIds('dpuLifecycle');
  expect(lifecycles.filter((id) => /pinned|wrong-pci/.test(id))).toEqual([]);
});

test('a DPUSet whose BFB does not exist waits with a condition naming the BFB, and proceeds once it exists; dry run plans batches', async () => {
  const fleet = fleets.later;
  await h.kube.create('DPUSet', NS, {
    metadata: { name: 'later' },
    spec: { nodeSelector: { matchLabels: { rack: 'later' } }, dpuTemplate: { spec: { bfb: 'bf-later' } } },
  });
  const waiting = await h.waitFor('BFBReady=False', async () => {
    const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'later' });
    return s?.status?.conditions?.find((c) => c.type === 'BFBReady' && c.status === 'False');
  });
  expect(waiting.message).toContain('waiting for BFB bf-later in namespace xpuflow-test');
  expect((await h.kube.list<DpuResource>('DPU', NS, 'provisioning.xpuflow.dev/dpuset=later')).length).toBe(0);

  await h.createBfb('bf-later', 'bf-bundle-2.9.1.bfb');
  await h.waitFor('2 DPUs Ready', async () => {
    const dpus = await h.kube.list<DpuResource>('DPU', NS, 'provisioning.xpuflow.dev/dpuset=later');
    return dpus.length === 2 && dpus.every((d) => d.status?.phase === 'Ready');
  });

  // Dry run: a new template is planned, not applied.
  await h.createBfb('bf-later-2', 'bf-bundle-2.9.2.bfb');
  await h.kube.patch(
    'DPUSet',
    { namespace: NS, name: 'later' },
    { spec: { dryRun: true, dpuTemplate: { spec: { bfb: 'bf-later-2' } } } },
  );
  const planned = await h.waitFor('planned batches', async () => {
    const s = await h.kube.get<DpuSetResource>('DPUSet', { namespace: NS, name: 'later' });
    return s?.status?.plannedBatches;
  });
  expect(planned).toEqual(fleet.hosts.map((x) => [expect.stringContaining(x.node)]));
  const dpus = await h.kube.list<DpuResource>('DPU', NS, 'provisioning.xpuflow.dev/dpuset=later');
  expect(dpus.every((d) => d.spec.bfb === 'bf-later')).toBe(true);
  for (const d of fleet.dpus) expect(d.dms.counters.flashes).toBe(1);
});

test('without automatic reboot the DPU says what the operator must do, and an annotation lets it go on', async () => {
  const fleet = fleets.manual;
  await h.kube.create(
    'DPU',
    NS,
    dpuObject('manual-dpu', fleet.hosts[0].node, fleet.dpus[0].spec.pciAddress, { automaticReboot: false }),
  );
  const waiting = await h.waitFor('manual-dpu waiting for a power cycle', async () => {
    const d = await h.dpu('manual-dpu');
    return d?.status?.phase === 'Rebooting' && d.status.message?.includes('power-cycle host') ? d : undefined;
  });
  expect(waiting.status!.message).toContain(
    'kubectl annotate dpu manual-dpu -n xpuflow-test provisioning.xpuflow.dev/host-power-cycled=',
  );
  // DMS rebooted the DPU's Arm when it activated the BFB; the power cycle asked for is the host's.
  expect(fleet.dpus[0].dms.counters.reboots).toBe(1);
  await h.kube.patch(
    'DPU',
    { namespace: NS, name: 'manual-dpu' },
    { metadata: { annotations: { 'provisioning.xpuflow.dev/host-power-cycled': '1700000000' } } },
  );
  const ready = await h.waitFor('manual-dpu Ready', async () => {
    const d = await h.dpu('manual-dpu');
    return d?.status?.phase === 'Ready' ? d : undefined;
  });
  expect(ready.status!.conditions!.find((c) => c.type === 'Rebooted')!.message).toContain(
    'rebooted by an operator',
  );
  expect(fleet.dpus[0].dms.counters.reboots).toBe(1); // none more: xpuflow asked DMS for no reboot of its own
});

test('a DPUCluster shows whether its kubeconfig reaches the DPU cluster', async () => {
  const ready = await h.waitFor('dpu-cluster Ready', async () => {
    const c = await h.kube.get<DpuClusterResource>('DPUCluster', { namespace: NS, name: 'dpu-cluster' });
    return c?.status?.phase === 'Ready' ? c : undefined;
  });
  expect(ready.status!.conditions![0]).toMatchObject({ type: 'Reachable', status: 'True' });
  await h.kube.create('DPUCluster', NS, {
    metadata: { name: 'nowhere' },
    spec: { kubeconfigSecret: { name: 'no-such-secret' } },
  });
  const bad = await h.waitFor('nowhere in Error', async () => {
    const c = await h.kube.get<DpuClusterResource>('DPUCluster', { namespace: NS, name: 'nowhere' });
    return c?.status?.phase === 'Error' ? c : undefined;
  });
  expect(bad.status!.conditions![0].message).toContain(`Secret ${NS}/no-such-secret does not exist`);
});

test('two DPUs of one name in two namespaces, provisioned together: their own DMS pods, DPU-cluster nodes, workflow IDs and DPU worker queues; deleting one leaves the other alone', async () => {
  const other = `${NS}-twin`;
  await h.kube.core.createNamespace({ body: { metadata: { name: other } } });
  await h.kube.create('BFB', other, {
    metadata: { name: 'bf-2-9-1' },
    spec: { url: h.bfb.url('bf-bundle-2.9.1.bfb'), sha256: h.bfb.sha256('bf-bundle-2.9.1.bfb') },
  });
  await registerDpuCluster(h.kube, other, 'dpu-cluster', h.dpuCluster);
  // The controller watches one namespace (chart value watchNamespace): a second one for the other.
  const otherControllers = await startControllers({
    kc: h.host.kc,
    temporal: h.client,
    namespace: other,
    dmsBasePort: h.dmsBasePort,
    dmsImage: 'xpuflow-dms:test',
    timing: TIMING,
    readyTimeoutSeconds: 60,
    settleTimeoutSeconds: 120,
    log: timestampedLog(path.join(h.dir, 'controller-twin.log')),
  });
  try {
    const fleet = fleets.twin;
    const namespaces = [NS, other];
    const twin = (namespace: string) => h.kube.get<DpuResource>('DPU', { namespace, name: 'twin-dpu' });
    await Promise.all(
      namespaces.map((namespace, i) =>
        h.kube.create(
          'DPU',
          namespace,
          dpuObject('twin-dpu', fleet.hosts[i].node, fleet.dpus[i].spec.pciAddress),
        ),
      ),
    );
    const dpus = await h.waitFor('both twin-dpu Ready', async () => {
      const both = await Promise.all(namespaces.map(twin));
      return both.every((d) => d?.status?.phase === 'Ready') ? (both as DpuResource[]) : undefined;
    });

    // Two DMS pods, each owned by its own DPU object, on its own host.
    const pods = await Promise.all(
      namespaces.map((namespace) => h.kube.getPod(namespace, dmsPodName('twin-dpu'))),
    );
    expect(pods.map((p) => p?.spec?.nodeName)).toEqual(fleet.hosts.map((x) => x.node));
    expect(pods.map((p) => p?.metadata?.ownerReferences?.[0].uid)).toEqual(dpus.map((d) => d.metadata.uid));
    // Two nodes in the one DPU cluster, each joined by its own DPU.
    const nodes = namespaces.map((namespace) => dpuClusterNodeName(namespace, 'twin-dpu'));
    expect(new Set(nodes).size).toBe(2);
    for (const n of nodes) expect(await h.dpuKube.getNode(n)).toBeDefined();
    // Distinct runs: lifecycles and provisioning runs.
    const lifecycles = (await h.workflowIds('dpuLifecycle')).filter((id) => id.includes('twin-dpu'));
    expect(lifecycles.sort()).toEqual(
      [
        `dpu-${NS}-twin-dpu-${dpus[0].metadata.uid!.slice(0, 8)}`,
        `dpu-${other}-twin-dpu-${dpus[1].metadata.uid!.slice(0, 8)}`,
      ].sort(),
    );
    const runs = dpus.map((d) => d.status!.workflowId!);
    expect(runs).toEqual([`provision-dpu-${NS}-twin-dpu-g1`, `provision-dpu-${other}-twin-dpu-g1`]);
    // Distinct DPU worker queues: what the chart's DaemonSet on each joined node polls
    // (--dpu-node $(NODE_NAME)) is the queue the flows route that DPU's work to.
    const queues = nodes.map((n) => dpuWorkerQueue({ dpuNode: n }).queue);
    expect(queues).toEqual(namespaces.map((namespace) => dpuTaskQueue('twin-dpu', namespace)));
    expect(new Set(queues).size).toBe(2);

    // Deleting the one in the other namespace takes its pod and node, and nothing of the first's.
    await h.kube.delete('DPU', { namespace: other, name: 'twin-dpu' });
    await h.waitFor('the other twin-dpu gone', async () => (await twin(other)) === undefined);
    await h.waitFor(
      "the other's DMS pod and node gone",
      async () =>
        (await h.kube.getPod(other, dmsPodName('twin-dpu'))) === undefined &&
        (await h.dpuKube.getNode(nodes[1])) === undefined,
      15_000,
    );
    expect((await h.kube.getPod(NS, dmsPodName('twin-dpu')))?.metadata?.uid).toBe(pods[0]?.metadata?.uid);
    expect(await h.dpuKube.getNode(nodes[0])).toBeDefined();
    expect((await twin(NS))?.status?.phase).toBe('Ready');
    expect(await h.workflowIds('deleteDpu')).toContain(`delete-dpu-${other}-twin-dpu`);
    expect(await h.workflowIds('deleteDpu')).not.toContain(`delete-dpu-${NS}-twin-dpu`);
  } finally {
    await otherControllers.stop();
  }
});
