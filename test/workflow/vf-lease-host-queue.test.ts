/**
 * The fast attach path of the VF lease on a real Temporal dev server: the
 * lease runs on its node's host queue (the host worker runs it), Allocate
 * starts it eagerly on the worker's NativeConnection, CNI ADD is one
 * update-with-start whose netns move is a local activity. And what the
 * update-with-start may race: an Allocate's start of the same lease, a lease
 * held by another pod, a lease being released, a lease that has finished.
 * Host and DPU activities are recording fakes.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { attachWithStart, startOrJoinLease } from '../../node/hostagent/leases';
import { dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';
import { leaseStatusQuery, releaseSignal } from '../../model/vf-lease-api';
import { leaseMac, type AttachRequest, type VfLeaseInput } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { DevServer } from '../support/dev-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(120_000);

const NODE = 'hq1';
const server = new DevServer();
let connection: NativeConnection;
let client: Client;
let workers: Worker[];
let running: Promise<unknown>;
const calls: string[] = [];
/** While set, OPI DeleteBridgePort waits for it (a release held in Releasing). */
let deleteGate: Promise<void> | undefined;

const EventType = temporal.api.enums.v1.EventType;

const input = (pci: string, pod?: string): VfLeaseInput => ({
  node: NODE,
  pciAddress: pci,
  resourceName: 'xpuflow.io/p',
  xpu: { dpu: 'dq1', vlan: 10 },
  mac: leaseMac(NODE, pci),
  ...(pod ? { pod: { namespace: 'ns', name: pod } } : {}),
});
const attachReq = (pod: string): AttachRequest => ({
  pod: { namespace: 'ns', name: pod },
  containerId: `c-${pod}`,
  netns: '/x',
  ifname: 'net1',
  addresses: [],
  routes: [],
});
const handle = (pci: string) => client.workflow.getHandle(vfLeaseWorkflowId(NODE, pci));
async function eventTypes(pci: string): Promise<number[]> {
  const history = await handle(pci).fetchHistory();
  return (history.events ?? []).map((e) => e.eventType ?? 0);
}
async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  await server.start();
  connection = await NativeConnection.connect({ address: server.address });
  // The host worker process's client: on the worker's NativeConnection, as eager start needs.
  client = new Client({ connection });
  workers = [
    await Worker.create({
      connection,
      taskQueue: hostTaskQueue(NODE),
      workflowBundle: await testWorkflowBundle(require.resolve('../../workflows/vf-lease')),
      activities: {
        attachVfNetdev: async (req: AttachRequest & { pciAddress: string }) => {
          calls.push(`attach ${req.pciAddress} ${req.pod.name}`);
          return { ...req, podIfname: req.ifname, mac: '', mtu: 1500 };
        },
        detachVfNetdev: async (req: { pciAddress: string }) => void calls.push(`detach ${req.pciAddress}`),
      },
    }),
    await Worker.create({
      connection,
      taskQueue: dpuTaskQueue('dq1'),
      activities: {
        opiEnsureBridgePort: async (req: { id: string; mac: string; vlan: number }) => {
          calls.push(`opi create ${req.id}`);
          return { name: `//network.opiproject.org/ports/${req.id}`, mac: req.mac, vlan: req.vlan };
        },
        opiDeleteBridgePort: async (req: { id: string }) => {
          await deleteGate;
          calls.push(`opi delete ${req.id}`);
        },
      },
    }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await connection?.close();
  await server.dispose();
});

test('Allocate starts the lease eagerly on the host queue; the ADD is one update-with-start whose netns move is a local activity', async () => {
  calls.length = 0;
  const pci = '0000:04:00.2';
  const start = jest.spyOn(client.workflow, 'start');
  try {
    expect(await startOrJoinLease(client, input(pci), { eager: true })).toMatchObject({ phase: 'Reserving' });
    expect((await start.mock.results[0].value).eagerlyStarted).toBe(true);
  } finally {
    start.mockRestore();
  }
  const record = await attachWithStart(client, input(pci, 'a'), attachReq('a'));
  expect(record).toMatchObject({ podIfname: 'net1', pciAddress: pci });
  expect(await handle(pci).query(leaseStatusQuery)).toMatchObject({ phase: 'Attached', pod: { name: 'a' } });
  expect((await handle(pci).describe()).taskQueue).toBe(hostTaskQueue(NODE));
  const types = await eventTypes(pci);
  // One activity (OPI, on the DPU); the netns move is a marker of the lease's own workflow task.
  expect(types.filter((t) => t === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toHaveLength(1);
  expect(types).toContain(EventType.EVENT_TYPE_MARKER_RECORDED);
  // The move runs while the xPU side may still be in progress: no order between them.
  expect([...calls].sort()).toEqual([`attach ${pci} a`, `opi create vf-${NODE}-0000-04-00-2`]);
  await handle(pci).terminate('test done');
});

test('update-with-start racing the Allocate that starts the same lease: one run, bound to the pod, attached once; a repeated ADD of the same pod joins it', async () => {
  calls.length = 0;
  const pci = '0000:04:00.3';
  const [, record] = await Promise.all([
    startOrJoinLease(client, input(pci), { eager: true }),
    attachWithStart(client, input(pci, 'a'), attachReq('a')),
  ]);
  expect(record.pciAddress).toBe(pci);
  // The runtime repeats an ADD it did not see answered: the same pod's update joins the same run.
  await attachWithStart(client, input(pci, 'a'), attachReq('a'));
  const types = await eventTypes(pci);
  expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)).toHaveLength(1);
  expect(calls.filter((c) => c.startsWith('opi create'))).toHaveLength(1);
  expect(await handle(pci).query(leaseStatusQuery)).toMatchObject({ phase: 'Attached', pod: { name: 'a' } });
  await handle(pci).terminate('test done');
});

test("update-with-start on a lease another pod holds is refused by the validator, naming the owner; the owner's lease is unchanged", async () => {
  calls.length = 0;
  const pci = '0000:04:00.4';
  await attachWithStart(client, input(pci, 'owner'), attachReq('owner'));
  const { runId } = await handle(pci).describe();
  const err = await attachWithStart(client, input(pci, 'thief'), attachReq('thief')).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((err as WorkflowUpdateFailedError).cause?.message)).toContain(
    `leased to pod ns/owner, not ns/thief`,
  );
  expect(calls.filter((c) => c.startsWith('attach'))).toEqual([`attach ${pci} owner`]);
  expect((await handle(pci).describe()).runId).toBe(runId);
  expect(await handle(pci).query(leaseStatusQuery)).toMatchObject({
    phase: 'Attached',
    pod: { name: 'owner' },
  });
  await handle(pci).terminate('test done');
});

test('update-with-start while the lease is being released is refused; once it has finished, a new lease starts for the pod', async () => {
  calls.length = 0;
  const pci = '0000:04:00.5';
  await attachWithStart(client, input(pci, 'old'), attachReq('old'));
  const first = (await handle(pci).describe()).runId;
  let open!: () => void;
  deleteGate = new Promise<void>((r) => (open = r));
  try {
    await handle(pci).signal(releaseSignal, { reason: 'pod old deleted' });
    await until('the lease Releasing', async () => {
      return (await handle(pci).query(leaseStatusQuery)).phase === 'Releasing';
    });
    const err = await attachWithStart(client, input(pci, 'new'), attachReq('new')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toContain('is being released');
  } finally {
    open();
    deleteGate = undefined;
  }
  await handle(pci).result();
  await attachWithStart(client, input(pci, 'new'), attachReq('new'));
  const now = await handle(pci).describe();
  expect(now.runId).not.toBe(first);
  expect(await handle(pci).query(leaseStatusQuery)).toMatchObject({
    phase: 'Attached',
    pod: { name: 'new' },
  });
  expect(calls.filter((c) => c.startsWith('attach'))).toEqual([`attach ${pci} old`, `attach ${pci} new`]);
  await handle(pci).terminate('test done');
});
