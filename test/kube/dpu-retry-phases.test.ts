/**
 * README: "Error retryable whatever phase failed", for the phases that only a
 * Kubernetes-managed DPU runs (and Rebooting, waited on by an operator). Each
 * test makes one phase fail for good for a reason an operator can fix, sees
 * the DPU object parked in Error with that phase in `lastError.phase` and a
 * message naming the cause, fixes the cause, retries from that phase with the
 * retry annotation, and sees the DPU Ready with the phases before the failed
 * one not run again: the DMS simulator counts one flash.
 *
 * The waits are tightened for this file (a DMS pod or DPU node Ready within
 * 8 s, a reboot within 3 s), so each failure comes in seconds.
 */
import * as k8s from '@kubernetes/client-node';
import { createDmsActivities } from '../../activities/dms';
import { dmsPodName } from '../../model/dpu';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { statusQuery } from '../../model/dpu-provision-api';
import { Phase } from '../../model/phases';
import { HOST_POWER_CYCLED_ANNOTATION, type DpuResource } from '../../model/resources/common';
import { RETRY_ANNOTATION } from '../../model/retry-annotation';
import { dpuGenerationWorkflowId } from '../../model/workflow-ids';
import type { ProvisionDpuWorkflow } from '../../model/workflow-types';
import type { SimFleet } from '../../sim/fleet';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(120_000);

const h = new KubeHarness();
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
// Also what a DMS pod and a DPU's join to the DPU cluster get on the paths that reach Ready:
// 8 s, so a busy CPU (another file on the other core) does not time them out.
const READY_TIMEOUT_SECONDS = 8;
const REBOOT_TIMEOUT_SECONDS = 3;
// The Rebooting test's DPU takes longer to boot than the reboot timeout allows.
const SLOW_BOOT_MS = (REBOOT_TIMEOUT_SECONDS + 3) * 1000;
/** Each test's one host, started together: one host-workers process for the file, not one per test. */
let fleets: Record<'ne' | 'dd' | 'rb' | 'dc', SimFleet>;

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.startControllers({
    timing: { rebootTimeoutSeconds: REBOOT_TIMEOUT_SECONDS },
    readyTimeoutSeconds: READY_TIMEOUT_SECONDS,
  });
  const [ne, dd, rb, dc] = await h.hostGroups([
    { prefix: 'ne', count: 1, labels: {}, flashMs: 300 },
    { prefix: 'dd', count: 1, labels: {}, flashMs: 300 },
    { prefix: 'rb', count: 1, labels: {}, flashMs: 300, rebootMs: SLOW_BOOT_MS },
    { prefix: 'dc', count: 1, labels: {}, flashMs: 300 },
  ]);
  fleets = { ne, dd, rb, dc };
}, 240_000); // the harness and all four hosts: more than one test's 120 s on a busy machine
afterAll(() => h.dispose());

async function createDpu(name: string, fleet: SimFleet, extra: object = {}): Promise<void> {
  await h.kube.create('DPU', NS, {
    metadata: { name },
    spec: {
      nodeName: fleet.hosts[0].node,
      pciAddress: fleet.dpus[0].spec.pciAddress,
      bfb: 'bf-2-9-1',
      cluster: { name: 'dpu-cluster' },
      ...extra,
    },
  });
}

/** Waits for the DPU object in Error; returns it and its provisioning run's lastError. */
async function parkedInError(name: string) {
  const dpu = await h.waitFor(
    `${name} in Error`,
    async () => {
      const d = await h.dpu(name);
      if (d?.status?.phase === 'Ready') throw new Error(`${name} went Ready: ${d.status.message ?? ''}`);
      return d?.status?.phase === 'Error' ? d : undefined;
    },
    60_000,
  );
  const run = h.client.workflow.getHandle<ProvisionDpuWorkflow>(dpu.status!.workflowId!);
  expect((await run.describe()).status.name).toBe('RUNNING');
  const status = await run.query(statusQuery);
  return { dpu, lastError: status.lastError!, run };
}

/** Retries from `phase` by the annotation; resolves with the run's result once the DPU is Ready. */
async function retryToReady(name: string, phase: Phase, between?: () => Promise<void>) {
  await h.kube.patch(
    'DPU',
    { namespace: NS, name },
    { metadata: { annotations: { [RETRY_ANNOTATION]: phase } } },
  );
  await between?.();
  const ready = await h.waitFor(`${name} Ready`, async () => {
    const d = await h.dpu(name);
    return d?.status?.phase === 'Ready' ? d : undefined;
  });
  const run = h.client.workflow.getHandle<ProvisionDpuWorkflow>(ready.status!.workflowId!);
  expect(ready.status!.workflowId).toBe(dpuGenerationWorkflowId('provision', { namespace: NS, name }, 1));
  const result = await run.result();
  expect(result).toMatchObject({ phase: 'Ready', retries: 1 });
  return result;
}

/** How many times each phase ran, in the run's result. */
function runsOf(result: { phases: Array<{ phase: string }> }): Record<string, number> {
  const n: Record<string, number> = {};
  for (const p of result.phases) n[p.phase] = (n[p.phase] ?? 0) + 1;
  return n;
}

function expectFailed(dpu: DpuResource, phase: Phase): void {
  expect(dpu.status?.message).toContain(`${phase} failed`);
  expect(dpu.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
    status: 'False',
    reason: 'Error',
  });
}

test('Error in Node Effect: a drain blocked by a PodDisruptionBudget past its timeout; the budget removed, a retry from Node Effect drains and goes on to Ready', async () => {
  const fleet = fleets.ne;
  const node = fleet.hosts[0].node;
  await h.kube.core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name: 'ne-db-0', labels: { app: 'ne-db' } },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  const policy = h.host.kc.makeApiClient(k8s.PolicyV1Api);
  await policy.createNamespacedPodDisruptionBudget({
    namespace: NS,
    body: {
      metadata: { name: 'ne-db' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'ne-db' } } },
    },
  });
  // Play the kubelet (ne-db-0 Running, so its budget counts) and the disruption controller (no disruption allowed).
  await h.waitFor(
    'ne-db-0 Running',
    async () => (await h.kube.getPod(NS, 'ne-db-0'))?.status?.phase === 'Running',
  );
  const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: NS, name: 'ne-db' });
  await policy.patchNamespacedPodDisruptionBudgetStatus(
    {
      namespace: NS,
      name: 'ne-db',
      body: {
        status: {
          observedGeneration: pdb.metadata!.generation,
          disruptionsAllowed: 0,
          currentHealthy: 1,
          desiredHealthy: 1,
          expectedPods: 1,
        },
      },
    },
    MERGE,
  );

  await createDpu('ne-dpu', fleet, { nodeEffect: { drain: { timeoutSeconds: 2 } } });
  const { dpu, lastError } = await parkedInError('ne-dpu');
  expect(lastError.phase).toBe(Phase.NodeEffect);
  expectFailed(dpu, Phase.NodeEffect);
  expect(lastError.message).toMatch(/drain of node ne-host-01 timed out after 2 s/);
  expect(lastError.message).toContain(`${NS}/ne-db-0`);
  expect(lastError.message).toMatch(/disruption budget/i);
  expect(fleet.dpus[0].dms.counters.flashes).toBe(0);

  // The operator's fix: the budget that blocks the drain goes.
  await policy.deleteNamespacedPodDisruptionBudget({ namespace: NS, name: 'ne-db' });
  const result = await retryToReady('ne-dpu', Phase.NodeEffect);
  expect(runsOf(result)).toMatchObject({
    [Phase.Initializing]: 1,
    [Phase.NodeEffect]: 2,
    [Phase.OsInstalling]: 1,
  });
  expect(await h.kube.getPod(NS, 'ne-db-0')).toBeUndefined(); // drained this time
  expect(fleet.dpus[0].dms.counters.flashes).toBe(1);
});

test("Error in DMS Deployment: a stale pod holding the DMS pod's name that cannot be scheduled is named, neither used nor deleted; once the operator deletes it, a retry from DMS Deployment makes the DMS pod, to Ready", async () => {
  const fleet = fleets.dd;
  // A DMS pod of the DPU's name left from before, pinned by a node selector no node matches:
  // created by the API server, and (playing the scheduler) marked Unschedulable.
  const stale = dmsPodName('dd-dpu');
  const staleUid = (
    await h.kube.core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: stale },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': 'decommissioned-host' },
          containers: [{ name: 'dms', image: 'xpuflow-dms:old' }],
        },
      },
    })
  ).metadata?.uid;
  const unschedulable = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.";
  await h.kube.core.patchNamespacedPodStatus(
    {
      namespace: NS,
      name: stale,
      body: {
        status: {
          phase: 'Pending',
          conditions: [
            { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: unschedulable },
          ],
        },
      },
    },
    MERGE,
  );

  await createDpu('dd-dpu', fleet);
  const { dpu, lastError } = await parkedInError('dd-dpu');
  expect(lastError.phase).toBe(Phase.DmsDeployment);
  expectFailed(dpu, Phase.DmsDeployment);
  expect(lastError.message).toContain(
    `pod ${NS}/${stale} (Pending, not scheduled: ${unschedulable}) holds the name of DPU ${NS}/dd-dpu's DMS pod, ` +
      'but xpuflow did not make it: xpuflow neither uses nor deletes it',
  );
  expect(lastError.message).toContain(`kubectl delete pod -n ${NS} ${stale}`);
  expect(lastError.nonRetryable).toBe(true);
  // Not this DPU's: no undo touched it. The operator deletes it; the retry makes the DMS pod afresh.
  expect((await h.kube.getPod(NS, stale))?.metadata?.uid).toBe(staleUid);
  await h.kube.deletePod(NS, stale);
  await h.waitFor('the stale pod gone', async () => (await h.kube.getPod(NS, stale)) === undefined);
  const result = await retryToReady('dd-dpu', Phase.DmsDeployment);
  expect(runsOf(result)).toMatchObject({
    [Phase.Pending]: 1,
    [Phase.DmsDeployment]: 2,
    [Phase.OsInstalling]: 1,
  });
  const made = await h.kube.getPod(NS, stale);
  expect(made?.spec?.nodeName).toBe('dd-host-01');
  expect(made?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DPU', name: 'dd-dpu' });
  expect(fleet.dpus[0].dms.counters.flashes).toBe(1);
});

test('Error in Rebooting: the DPU still rebooting past the reboot timeout after the power cycle; once it is back, a retry from Rebooting, to Ready without a second flash', async () => {
  // A DPU that takes longer to boot than the reboot timeout allows (SLOW_BOOT_MS).
  const fleet = fleets.rb;
  const dms = fleet.dpus[0].dms;
  await createDpu('rb-dpu', fleet, { automaticReboot: false });
  await h.waitFor('rb-dpu waiting for a power cycle', async () => {
    const d = await h.dpu('rb-dpu');
    return d?.status?.phase === 'Rebooting' && d.status.message?.includes('power-cycle host');
  });
  // The slow boot under way when the operator says the host was power-cycled (started here by
  // gNOI System.Reboot to its DMS, as the power cycle would).
  const dmsClient = createDmsActivities();
  await dmsClient.dmsReboot({
    dpu: 'rb-dpu',
    address: dms.address,
    delaySeconds: 0,
    message: 'slow boot',
  });
  const rebootsBefore = dms.counters.reboots;
  const powerCycled = (at: string) =>
    h.kube.patch(
      'DPU',
      { namespace: NS, name: 'rb-dpu' },
      { metadata: { annotations: { [HOST_POWER_CYCLED_ANNOTATION]: at } } },
    );
  await powerCycled('1700000000');

  const { dpu, lastError } = await parkedInError('rb-dpu');
  expect(lastError.phase).toBe(Phase.Rebooting);
  expectFailed(dpu, Phase.Rebooting);
  expect(lastError.message).toContain(
    `rb-dpu did not come back from its reboot within ${REBOOT_TIMEOUT_SECONDS} s`,
  );
  expect(lastError.message).toContain('retry from "Rebooting"');

  // The operator's fix: wait until the DPU is back (RebootStatus no longer active).
  await h.waitFor('the DPU back from its slow boot', async () => {
    const s = await dmsClient.dmsRebootStatus({ dpu: 'rb-dpu', address: dms.address, subcomponent: 'CPU' });
    return !s.active;
  });
  const result = await retryToReady('rb-dpu', Phase.Rebooting, async () => {
    // Ready ends the wait too, so a retry that skips Rebooting fails here at once.
    const waiting = await h.waitFor('rb-dpu waiting for a power cycle again', async () => {
      const d = await h.dpu('rb-dpu');
      if (d?.status?.phase === 'Ready') return d.status.phase;
      return (
        d?.status?.phase === 'Rebooting' && d.status.message?.includes('power-cycle host') && d.status.phase
      );
    });
    expect(waiting).toBe(Phase.Rebooting);
    await powerCycled('1700000100');
  });
  expect(runsOf(result)).toMatchObject({ [Phase.OsInstalling]: 1, [Phase.Rebooting]: 2 });
  expect(dms.counters.flashes).toBe(1);
  expect(dms.counters.reboots).toBe(rebootsBefore); // xpuflow asked for no reboot of its own
});

test("Error in DPU Cluster Config: the DPUCluster's kubeconfig Secret deleted after the flash; the Secret created again, a retry from DPU Cluster Config finds the DPU joined, to Ready without a second flash", async () => {
  const fleet = fleets.dc;
  const kubeconfigSecret = {
    metadata: { name: 'dc-cluster-kubeconfig' },
    stringData: { kubeconfig: h.dpuCluster.kubeconfigYaml },
  };
  await h.kube.core.createNamespacedSecret({ namespace: NS, body: kubeconfigSecret });
  await h.kube.create('DPUCluster', NS, {
    metadata: { name: 'dc-cluster' },
    spec: { kubeconfigSecret: { name: 'dc-cluster-kubeconfig' } },
  });
  // Without automatic reboot the run waits for the operator after OS Installing (its bf.cfg, with the
  // join, already sent): a deterministic point to take the Secret away before DPU Cluster Config reads it.
  await createDpu('dc-dpu', fleet, { cluster: { name: 'dc-cluster' }, automaticReboot: false });
  await h.waitFor('dc-dpu waiting for a power cycle', async () => {
    const d = await h.dpu('dc-dpu');
    return d?.status?.phase === 'Rebooting' && d.status.message?.includes('power-cycle host');
  });
  await h.kube.core.deleteNamespacedSecret({ namespace: NS, name: 'dc-cluster-kubeconfig' });
  await h.kube.patch(
    'DPU',
    { namespace: NS, name: 'dc-dpu' },
    { metadata: { annotations: { [HOST_POWER_CYCLED_ANNOTATION]: '1700000000' } } },
  );

  const { dpu, lastError } = await parkedInError('dc-dpu');
  expect(lastError.phase).toBe(Phase.DpuClusterConfig);
  expectFailed(dpu, Phase.DpuClusterConfig);
  expect(lastError.message).toContain(
    `Secret ${NS}/dc-cluster-kubeconfig does not exist: DPUCluster dc-cluster needs its kubeconfig there`,
  );

  // The operator's fix: the Secret with the DPU cluster's kubeconfig, back.
  await h.kube.core.createNamespacedSecret({ namespace: NS, body: kubeconfigSecret });
  const result = await retryToReady('dc-dpu', Phase.DpuClusterConfig);
  expect(runsOf(result)).toMatchObject({
    [Phase.OsInstalling]: 1,
    [Phase.HostNetworkConfiguration]: 1,
    [Phase.DpuClusterConfig]: 2,
  });
  // The DPU joined with the bf.cfg of its one flash.
  expect(await h.dpuKube.getNode(dpuClusterNodeName(NS, 'dc-dpu'))).toBeDefined();
  expect(fleet.dpus[0].dms.counters.flashes).toBe(1);
});
