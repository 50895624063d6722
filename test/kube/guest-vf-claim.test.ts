/**
 * A VFClaim from a guest cluster, end to end on real API servers: the guest
 * cluster is one more kube-apiserver on the host's etcd under its own prefix.
 * The guest side (controller + guest worker) runs here with the guest's
 * kubeconfig only; the control worker (host kubeconfig) and the host worker
 * (sysfs simulator, QMP simulator playing the VM's QEMU) are processes.
 * Temporal is the only thing both sides reach.
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
import {
  GUEST_CLUSTER_LABEL,
  GUEST_NAME_LABEL,
  VF_CLAIM_FINALIZER,
  type VfClaimResource,
  type VfClaimSpec,
} from '../../model/resources/vf-claim';
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
let hostWorker: WorkerProcess;
let vf0: string;
const sysfsRoot = path.join(h.dir, 'vf-host', 'sys');
const qmpDir = path.join(h.dir, 'vf-host', 'qmp');
const stateDir = path.join(h.dir, 'vf-host', 'state');

async function startHostWorker(): Promise<void> {
  hostWorker = spawnHostWorkers({
    placements: [{ node: NODE, sysfsRoot, qmpDir, stateDir, discovery: { intervalSeconds: 0 } }],
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
  h.client = new Client({ connection: await Connection.connect({ address: h.temporal.address }) });
  await startControlWorker(h.client, {
    dir: h.dir,
    env: { ...h.temporalEnv, XPUFLOW_KUBECONFIG: host.kubeconfigPath, XPUFLOW_VF_CLAIM_NAMESPACE: MIRRORS },
    started: (w) => (h.control = w),
  });
  fs.mkdirSync(qmpDir, { recursive: true });
  vf0 = createSysfsTree(sysfsRoot, { pfs: [{ pciAddress: PF, totalVfs: 2 }] }).vfAddress(PF, 0);
  kernel = startSimKernel(sysfsRoot, { persistent: false });
  qmp = await startQmpSim({ socketPath: path.join(qmpDir, 'vm1.qmp'), sysfsRoot });
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
  expect((await h.client.workflow.getHandle(run).describe()).status.name).toBe('COMPLETED');
  captureHistory(h.temporal.address, run, 'vf-claim-guest-released.json');
  const [vm] = await h.workflowIds(WorkflowType.vmClaim);
  captureHistory(h.temporal.address, vm, 'vm-claim-notify-released.json');
});

test.each([
  {
    what: 'a PF the host does not have',
    spec: { nodeName: NODE, pfAddress: '0000:aa:00.0', vmName: 'vm1' },
    says: /PF 0000:aa:00\.0 is not an SR-IOV PF of node vf-host-1.*spec\.pfAddress/,
  },
  {
    what: 'a VM with no QMP socket',
    spec: { nodeName: NODE, pfAddress: PF, vmName: 'vm-nosock' },
    says: /VM vm-nosock has no QMP socket on node vf-host-1 \(.*vm-nosock\.qmp: missing\)/,
  },
])(
  '$what: Failed with the value named, nothing made on the host, and the claim deletes',
  async ({ spec, says }) => {
    const name = `bad-${spec.vmName}-${spec.pfAddress.slice(5, 7)}`;
    const sysfsBefore = kernel.events.length;
    const commandsBefore = qmp.commands.length;
    await createClaim(name, spec);
    const failed = await waitPhase(name, 'Failed');
    expect(failed.status?.message).toMatch(says);
    expect(failed.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ClaimFailed',
    });
    expect(kernel.events.length).toBe(sysfsBefore);
    expect(qmp.commands.length).toBe(commandsBefore);
    expect(await hostMirrors()).toEqual([]);
    expect(await h.workflowIds(WorkflowType.vmClaim)).toHaveLength(1); // the first test's only
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
