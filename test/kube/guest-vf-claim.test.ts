/**
 * A VFClaim from a guest cluster, end to end on real API servers: the guest
 * cluster is one more kube-apiserver on the host's etcd under its own prefix.
 * The guest side (controller + guest worker) runs here with the guest's
 * kubeconfig only; the control worker (host kubeconfig) and the host worker
 * (sysfs simulator, QMP simulators playing the VMs' QEMUs) are processes.
 * Temporal is the only thing both sides reach; what the guest may claim is
 * the host's ConfigMap of grants.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { apiMessage, Kube } from '../../platform/kube/client';
import { waitForPollers } from '../../platform/connection/pollers';
import { guestTaskQueue, hostTaskQueue } from '../../model/task-queues';
import { WorkflowType } from '../../model/workflow-types';
import { vmClaimWorkflowId } from '../../model/workflow-ids';
import {
  GUEST_CLUSTER_LABEL,
  GUEST_NAME_LABEL,
  VF_CLAIM_FINALIZER,
  type VfClaimResource,
  type VfClaimSpec,
} from '../../model/resources/vf-claim';
import { VF_CLAIM_GRANTS_CONFIGMAP } from '../../model/vf-claim-grants';
import { spawnHostWorkers, untilReady, type WorkerProcess } from '../../cli/demo/worker-processes';
import { startGuestSide, type GuestSide } from '../../workers/guest/guest-side';
import { startQmpSim, type QmpSim } from '../../sim/qmp';
import { createSysfsTree, startSimKernel, type SimKernel } from '../../sim/sysfs';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { DevServer } from '../support/dev-server';
import { logTails, timestampedLog } from '../support/log-tails';
import { startControlWorker } from '../support/polling-workers';
import { waitFor } from '../support/wait-for';
import { captureHistory } from '../support/history-capture';

jest.setTimeout(120_000);

const CLUSTER = 'guest-a';
const TENANT = 'tenant';
const NODE = 'vf-host-1';
const PF = '0000:5e:00.0';
/** The PF of the host's VF pool `pool-a` (the host worker's VF config). */
const POOL_PF = '0000:3b:00.0';
/** A guest node, named after the VM it is (Harvester's guest clusters). */
const GUEST_NODE = 'gnode-1';
/** The host-cluster namespace of the mirrors: the control worker's XPUFLOW_VF_CLAIM_NAMESPACE. */
const MIRRORS = 'vf-claims';

/**
 * Only what a guest claim touches: the host cluster and the guest cluster (one
 * more kube-apiserver on the same etcd, under its own --etcd-prefix), Temporal,
 * and the control worker with the host's kubeconfig.
 */
const h = {
  apis: new KubeApiservers(),
  temporal: new DevServer(),
  dir: fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-guest-vf-')),
  kube: undefined as unknown as Kube,
  client: undefined as unknown as Client,
  control: undefined as WorkerProcess | undefined,
  get temporalEnv(): NodeJS.ProcessEnv {
    return { TEMPORAL_ADDRESS: this.temporal.address, TEMPORAL_NAMESPACE: 'default' };
  },
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
    return waitFor(what, probe, { timeoutMs, everyMs: 200, explain: async () => logTails(h.dir, 2500) });
  },
  async workflowIds(type: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const w of this.client.workflow.list({ query: `WorkflowType = '${type}'` }))
      ids.push(w.workflowId);
    return ids;
  },
};
let host: KubeCluster;
let guest: KubeCluster;
let guestKube: Kube;
let guestSide: GuestSide;
let guestConnection: NativeConnection;
let kernel: SimKernel;
let qmp: QmpSim;
/** The QEMU of VM gnode-1, the guest node the pod runs on. */
let qmpNode: QmpSim;
let hostWorker: WorkerProcess;
let vf0: string;
let poolVf0: string;
const sysfsRoot = path.join(h.dir, 'vf-host', 'sys');
const qmpDir = path.join(h.dir, 'vf-host', 'qmp');
const stateDir = path.join(h.dir, 'vf-host', 'state');

async function startHostWorker(): Promise<void> {
  hostWorker = spawnHostWorkers({
    placements: [
      {
        node: NODE,
        sysfsRoot,
        qmpDir,
        stateDir,
        discovery: { intervalSeconds: 0 },
        // The VF config whose pools a claim may name (no device plugin folder, no pod list: nothing else runs).
        vf: {
          stateDir,
          hostAgentSocket: path.join(h.dir, 'hostagent.sock'),
          pools: [{ name: 'pool-a', dpu: 'dpu-1', vlan: 100, selector: { pfNames: [POOL_PF] } }],
        },
      },
    ],
    logFile: path.join(h.dir, 'vf-host.log'),
    env: h.temporalEnv,
  });
  await untilReady([hostWorker], (signal) =>
    waitForPollers(h.client, [{ taskQueue: hostTaskQueue(NODE) }], 60_000, signal),
  );
}

beforeAll(async () => {
  [[host]] = await Promise.all([h.apis.start(['host']), h.temporal.start()]);
  [guest] = await h.apis.add([CLUSTER]);
  h.kube = new Kube(host.kc);
  guestKube = new Kube(guest.kc);
  await Promise.all([installCrds(host.kc), installCrds(guest.kc)]);
  await h.kube.core.createNamespace({ body: { metadata: { name: MIRRORS } } });
  await guestKube.core.createNamespace({ body: { metadata: { name: TENANT } } });
  // The host admin's say: what guest-a may claim (model/vf-claim-grants.ts).
  await h.kube.core.createNamespacedConfigMap({
    namespace: MIRRORS,
    body: {
      metadata: { name: VF_CLAIM_GRANTS_CONFIGMAP },
      data: {
        [CLUSTER]: JSON.stringify({
          vms: ['vm1', 'vm-nosock', 'gnode-*'],
          pfs: [PF, '0000:aa:00.0'],
          pools: ['pool-a', 'pool-x'],
        }),
      },
    },
  });
  h.client = new Client({ connection: await Connection.connect({ address: h.temporal.address }) });
  await startControlWorker(h.client, {
    dir: h.dir,
    env: { ...h.temporalEnv, XPUFLOW_KUBECONFIG: host.kubeconfigPath, XPUFLOW_VF_CLAIM_NAMESPACE: MIRRORS },
    started: (w) => (h.control = w),
  });
  fs.mkdirSync(qmpDir, { recursive: true });
  const tree = createSysfsTree(sysfsRoot, {
    pfs: [
      { pciAddress: PF, totalVfs: 2 },
      { pciAddress: POOL_PF, totalVfs: 2 },
    ],
  });
  [vf0, poolVf0] = [tree.vfAddress(PF, 0), tree.vfAddress(POOL_PF, 0)];
  kernel = startSimKernel(sysfsRoot, { persistent: false });
  qmp = await startQmpSim({ socketPath: path.join(qmpDir, 'vm1.qmp'), sysfsRoot });
  qmpNode = await startQmpSim({ socketPath: path.join(qmpDir, `${GUEST_NODE}.qmp`), sysfsRoot });
  await startHostWorker();
  guestConnection = await NativeConnection.connect({ address: h.temporal.address });
  guestSide = await startGuestSide({
    connection: guestConnection,
    namespace: 'default',
    kc: guest.kc, // the guest's credentials only
    temporal: h.client,
    cluster: CLUSTER,
    watchNamespace: TENANT,
    log: timestampedLog(path.join(h.dir, 'guest.log')),
  });
  await waitForPollers(h.client, [{ taskQueue: guestTaskQueue(CLUSTER) }]);
}, 120_000);

afterAll(async () => {
  await guestSide?.stop();
  await guestConnection?.close();
  await hostWorker?.stop(5_000);
  await qmp?.stop();
  await qmpNode?.stop();
  await kernel?.stop();
  await h.control?.stop(5_000);
  await h.client?.connection.close();
  await h.temporal.dispose();
  await h.apis.stop();
  fs.rmSync(h.dir, { recursive: true, force: true });
}, 60_000);

const getClaim = (name: string) => guestKube.get<VfClaimResource>('VFClaim', { namespace: TENANT, name });
const createClaim = (name: string, spec: VfClaimSpec) =>
  guestKube.create<VfClaimResource>('VFClaim', TENANT, { metadata: { name }, spec });
const createPod = (name: string, nodeName?: string) =>
  guestKube.core.createNamespacedPod({
    namespace: TENANT,
    body: {
      metadata: { name },
      spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'app', image: 'app:1' }] },
    },
  });
const hostMirrors = () =>
  h.kube.list<VfClaimResource>('VFClaim', MIRRORS, `${GUEST_CLUSTER_LABEL}=${CLUSTER}`);
const driverOf = (pci: string) => {
  const link = path.join(sysfsRoot, 'bus', 'pci', 'devices', pci, 'driver');
  return fs.existsSync(link) ? path.basename(fs.readlinkSync(link)) : undefined;
};
const waitPhase = (name: string, phase: string) =>
  h.waitFor(
    `guest VFClaim ${name} ${phase}`,
    async () => {
      const c = await getClaim(name);
      return c?.status?.phase === phase && c;
    },
    45_000,
  );
const waitGone = (name: string) =>
  h.waitFor(`guest VFClaim ${name} gone`, async () => (await getClaim(name)) === undefined, 45_000);

test('a guest VM claims a VF: created, bound to vfio-pci, hot-plugged; deleted while the host worker is killed -9, it is unplugged, rebound and released once the worker is back', async () => {
  await createClaim('vm1-vf', { nodeName: NODE, pfAddress: PF, vmName: 'vm1' });
  const attached = await waitPhase('vm1-vf', 'Attached');
  expect(attached.status?.vfAddress).toBe(vf0);
  expect(attached.metadata.finalizers).toEqual([VF_CLAIM_FINALIZER]);
  expect(attached.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
    status: 'True',
    reason: 'Attached',
  });
  // the host: one VF, bound to vfio-pci, plugged into the VM over QMP
  expect(kernel.numVfs(PF)).toBe(1);
  expect(driverOf(vf0)).toBe('vfio-pci');
  expect([...qmp.devices.values()]).toEqual([vf0]);
  // the host cluster's mirror, written with the host's credentials
  const [mirror] = await hostMirrors();
  expect(mirror.spec).toEqual({ nodeName: NODE, pfAddress: PF, vmName: 'vm1' });
  expect(mirror.metadata.labels?.[GUEST_NAME_LABEL]).toBe('vm1-vf');
  expect(mirror.status).toMatchObject({ phase: 'Attached', vfAddress: vf0 });

  await hostWorker.kill9();
  await guestKube.delete('VFClaim', { namespace: TENANT, name: 'vm1-vf' });
  await waitPhase('vm1-vf', 'Releasing');
  // nobody on the host acts while its worker is dead: the VF stays where it was
  await new Promise((r) => setTimeout(r, 1500));
  expect([...qmp.devices.values()]).toEqual([vf0]);
  expect(driverOf(vf0)).toBe('vfio-pci');
  expect(await getClaim('vm1-vf')).toBeDefined();

  await startHostWorker();
  await waitGone('vm1-vf');
  expect(qmp.devices.size).toBe(0);
  expect(qmp.commands.filter((c) => c.execute === 'device_del')).toHaveLength(1);
  expect(driverOf(vf0)).toBe('mlx5_core');
  expect(fs.readdirSync(path.join(stateDir, 'vm-claims'))).toEqual([]);
  expect(await hostMirrors()).toEqual([]);
  const [run] = await h.workflowIds(WorkflowType.vfClaim);
  // The claim is gone once the flow removed its finalizer; the flow completes right after that step.
  await h.client.workflow.getHandle(run).result();
  expect((await h.client.workflow.getHandle(run).describe()).status.name).toBe('COMPLETED');
  captureHistory(h.temporal.address, run, 'vf-claim-guest-released.json');
  const [vm] = await h.workflowIds(WorkflowType.vmClaim);
  captureHistory(h.temporal.address, vm, 'vm-claim-notify-released.json');
});

test("a guest pod claims a VF from the host's pool: it goes to the VM of the pod's guest node; the host worker killed -9 inside QMP device_add, after restart exactly one device_add, the VF bound once, Attached", async () => {
  await createPod('web', GUEST_NODE);
  const held = qmpNode.holdReply('device_add');
  await createClaim('web-vf', { nodeName: NODE, pool: 'pool-a', podName: 'web' });
  await held.reached; // QEMU added the device; its answer has not reached the host worker
  await hostWorker.kill9();
  held.release(); // to a socket that died with the worker
  await startHostWorker();
  const attached = await waitPhase('web-vf', 'Attached');
  expect(attached.status).toMatchObject({ vfAddress: poolVf0, pfAddress: POOL_PF, vmName: GUEST_NODE });
  expect(attached.status?.message).toMatch(
    /pool pool-a.* is in VM gnode-1 for pod tenant\/web \(guest node gnode-1\)/,
  );
  expect(qmpNode.commands.filter((c) => c.execute === 'device_add')).toHaveLength(1);
  expect([...qmpNode.devices.values()]).toEqual([poolVf0]);
  const binds = kernel.events.filter(
    (e) => e.kind === 'bind' && e.device === poolVf0 && e.driver === 'vfio-pci',
  );
  expect(binds).toHaveLength(1);
  expect(driverOf(poolVf0)).toBe('vfio-pci');
  expect(kernel.numVfs(POOL_PF)).toBe(1);
  const [mirror] = await hostMirrors();
  expect(mirror.spec).toEqual({ nodeName: NODE, pool: 'pool-a', podName: 'web' });
  expect(mirror.status).toMatchObject({ phase: 'Attached', vfAddress: poolVf0, vmName: GUEST_NODE });

  await guestKube.delete('VFClaim', { namespace: TENANT, name: 'web-vf' });
  await waitGone('web-vf');
  expect(qmpNode.devices.size).toBe(0);
  expect(driverOf(poolVf0)).toBe('mlx5_core');
  expect(await hostMirrors()).toEqual([]);
  const run = (await h.workflowIds(WorkflowType.vfClaim)).find((id) => id.includes('-web-vf-')) as string;
  expect(await h.client.workflow.getHandle(run).result()).toMatchObject({ vmName: GUEST_NODE });
  captureHistory(h.temporal.address, run, 'vf-claim-guest-pod-pool.json');
  const vm = vmClaimWorkflowId(NODE, GUEST_NODE, POOL_PF);
  captureHistory(h.temporal.address, vm, 'vm-claim-killed-in-device-add.json');
});

test.each([
  {
    name: 'bad-pf',
    what: 'a PF the host does not have',
    spec: { nodeName: NODE, pfAddress: '0000:aa:00.0', vmName: 'vm1' },
    says: /PF 0000:aa:00\.0 is not an SR-IOV PF of node vf-host-1.*spec\.pfAddress/,
  },
  {
    name: 'bad-vm',
    what: 'a VM with no QMP socket',
    spec: { nodeName: NODE, pfAddress: PF, vmName: 'vm-nosock' },
    says: /VM vm-nosock has no QMP socket on node vf-host-1 \(.*vm-nosock\.qmp: missing\)/,
  },
  {
    name: 'bad-pool',
    what: 'a pool the host does not have',
    spec: { nodeName: NODE, pool: 'pool-x', vmName: 'vm1' },
    says: /pool pool-x is not a VF pool of node vf-host-1 \(its pools: pool-a\): fix spec\.pool/,
  },
  {
    name: 'bad-unscheduled',
    what: 'a pod that is not scheduled',
    pod: { name: 'pending' },
    spec: { nodeName: NODE, pfAddress: PF, podName: 'pending' },
    says: /pod tenant\/pending of guest cluster guest-a is not scheduled to a node/,
  },
  {
    name: 'bad-nodevm',
    what: 'a pod whose guest node maps to no VM on the host',
    pod: { name: 'stray', node: 'gnode-9' },
    spec: { nodeName: NODE, pfAddress: PF, podName: 'stray' },
    says: /VM gnode-9 for pod tenant\/stray \(guest node gnode-9\): VM gnode-9 has no QMP socket on node vf-host-1/,
  },
  {
    name: 'bad-grant-vm',
    what: 'a VM the host did not grant this guest cluster',
    spec: { nodeName: NODE, pfAddress: PF, vmName: 'vm-other' },
    says: /refused: guest cluster guest-a may not claim a VF for VM vm-other: the host admin adds "vm-other" to "vms" of key guest-a in ConfigMap vf-claims\/xpuflow-vf-claim-grants/,
  },
  {
    name: 'bad-grant-pf',
    what: 'a PF the host did not grant this guest cluster',
    spec: { nodeName: NODE, pfAddress: POOL_PF, vmName: 'vm1' },
    says: /refused: guest cluster guest-a may not claim from PF 0000:3b:00\.0: the host admin adds "0000:3b:00\.0" to "pfs"/,
  },
] as Array<{
  name: string;
  what: string;
  pod?: { name: string; node?: string };
  spec: VfClaimSpec;
  says: RegExp;
}>)(
  '$what: Failed with the value named, nothing made on the host, and the claim deletes',
  async ({ name, pod, spec, says }) => {
    if (pod) await createPod(pod.name, pod.node);
    const sysfsBefore = kernel.events.length;
    const commandsBefore = qmp.commands.length + qmpNode.commands.length;
    const vmClaimsBefore = (await h.workflowIds(WorkflowType.vmClaim)).length;
    await createClaim(name, spec);
    const failed = await waitPhase(name, 'Failed');
    expect(failed.status?.message).toMatch(says);
    expect(failed.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ClaimFailed',
    });
    expect(kernel.events.length).toBe(sysfsBefore);
    expect(qmp.commands.length + qmpNode.commands.length).toBe(commandsBefore);
    expect(await hostMirrors()).toEqual([]);
    expect(await h.workflowIds(WorkflowType.vmClaim)).toHaveLength(vmClaimsBefore);
    await guestKube.delete('VFClaim', { namespace: TENANT, name });
    await waitGone(name);
  },
);

test("the guest's API server refuses a malformed claim naming the field and value, and a spec change", async () => {
  const refused = await createClaim('malformed', {
    nodeName: NODE,
    pfAddress: '5e:00.0',
    vmName: 'vm1',
  }).then(
    () => undefined,
    (err: unknown) => apiMessage(err),
  );
  expect(refused).toMatch(/spec\.pfAddress 5e:00\.0 is not a PCI address/);
  const says = (spec: Partial<VfClaimSpec>) =>
    createClaim('malformed', { nodeName: NODE, ...spec } as VfClaimSpec).then(
      () => undefined,
      (err: unknown) => apiMessage(err),
    );
  expect(await says({ pfAddress: PF, pool: 'pool-a', vmName: 'vm1' })).toMatch(
    /spec\.pfAddress 0000:5e:00\.0 and spec\.pool pool-a are both set: name exactly one/,
  );
  expect(await says({ vmName: 'vm1' })).toMatch(/spec names neither pfAddress nor pool/);
  expect(await says({ pool: 'pool-a', vmName: 'vm1', podName: 'web' })).toMatch(
    /spec\.vmName vm1 and spec\.podName web are both set: name exactly one/,
  );
  expect(await says({ pool: 'pool-a' })).toMatch(/spec names neither vmName nor podName/);
  await createClaim('fixed', { nodeName: NODE, pfAddress: '0000:bb:00.0', vmName: 'vm9' });
  const changed = await guestKube
    .patch('VFClaim', { namespace: TENANT, name: 'fixed' }, { spec: { vmName: 'vm8' } })
    .then(
      () => undefined,
      (err: unknown) => apiMessage(err),
    );
  expect(changed).toMatch(/spec is immutable/);
  await waitPhase('fixed', 'Failed');
  await guestKube.delete('VFClaim', { namespace: TENANT, name: 'fixed' });
  await waitGone('fixed');
});
