/**
 * The VF lease workflow on a real Temporal dev server, with recording fakes
 * for the host and DPU activities: what it does when no ADD comes, when a
 * second pod asks for a bound lease (the attach update's validator), when OPI
 * refuses for good, and with bad input.
 *
 * Not the time-skipping test server: its update handling can hang
 * (temporalio/sdk-dotnet#179), and the attach timeout is short here instead.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { CONTROL_TASK_QUEUE, dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';
import { attachUpdate, leaseStatusQuery } from '../../model/vf-lease-api';
import { leaseMac, type VfLeaseInput, type VfLeaseStatus } from '../../model/vf';
import { DevServer } from '../support/dev-server';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(120_000);

const server = new DevServer();
let client: Client;
let clientConnection: Connection;
let connection: NativeConnection;
let workers: Worker[];
let running: Promise<unknown>;
const calls: string[] = [];
let opiRefuses = false;

const input = (pci: string, extra: Partial<VfLeaseInput> = {}): VfLeaseInput => ({
  node: 'n1',
  pciAddress: pci,
  resourceName: 'xpuflow.io/p',
  xpu: { dpu: 'd1', vlan: 10 },
  mac: leaseMac('n1', pci),
  ...extra,
});

beforeAll(async () => {
  await server.start();
  clientConnection = await Connection.connect({ address: server.address });
  client = new Client({ connection: clientConnection });
  connection = await NativeConnection.connect({ address: server.address });
  workers = [
    await Worker.create({
      connection,
      taskQueue: CONTROL_TASK_QUEUE,
      workflowBundle: await testWorkflowBundle(require.resolve('../../workflows')),
    }),
    await Worker.create({
      connection,
      taskQueue: hostTaskQueue('n1'),
      activities: {
        attachVfNetdev: async (req: { pciAddress: string; ifname: string; containerId: string }) => {
          calls.push(`attach ${req.pciAddress}`);
          return { ...req, podIfname: req.ifname, mac: '', mtu: 1500 };
        },
        detachVfNetdev: async (req: { pciAddress: string }) => void calls.push(`detach ${req.pciAddress}`),
      },
    }),
    await Worker.create({
      connection,
      taskQueue: dpuTaskQueue('d1'),
      activities: {
        opiEnsureBridgePort: async (req: { id: string; mac: string; vlan: number }) => {
          calls.push(`opi create ${req.id}`);
          if (opiRefuses)
            throw ApplicationFailure.nonRetryable('ALREADY_EXISTS with another MAC', 'OpiRefused');
          return { name: `//network.opiproject.org/ports/${req.id}`, mac: req.mac, vlan: req.vlan };
        },
        opiDeleteBridgePort: async (req: { id: string }) => void calls.push(`opi delete ${req.id}`),
      },
    }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await connection?.close();
  await clientConnection?.close();
  await server.dispose();
});

test('a lease no CNI ADD comes for releases itself after the attach timeout, undoing the xPU side', async () => {
  calls.length = 0;
  const handle = await client.workflow.start('vfLease', {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: 'lease-timeout',
    args: [input('0000:03:00.2', { attachTimeoutMs: 3_000 })],
  });
  const result = (await handle.result()) as VfLeaseStatus;
  expect(result.phase).toBe('Released');
  expect(result.releaseReason).toContain('no CNI ADD within 3 s');
  expect(calls).toEqual([
    'opi create vf-n1-0000-03-00-2',
    'detach 0000:03:00.2',
    'opi delete vf-n1-0000-03-00-2',
  ]);
});

test('the first ADD binds the lease; another pod is refused by the validator', async () => {
  calls.length = 0;
  const handle = await client.workflow.start('vfLease', {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: 'lease-bind',
    args: [input('0000:03:00.3')],
  });
  const attach = (pod: string) =>
    handle.executeUpdate(attachUpdate, {
      args: [
        {
          pod: { namespace: 'ns', name: pod },
          containerId: `c-${pod}`,
          netns: '/x',
          ifname: 'net1',
          addresses: [],
          routes: [],
        },
      ],
    });
  await attach('a');
  await expect(attach('b')).rejects.toThrow();
  const s = await handle.query(leaseStatusQuery);
  expect(s).toMatchObject({ phase: 'Attached', pod: { name: 'a' } });
  expect(calls.filter((c) => c.startsWith('attach'))).toHaveLength(1);
  await handle.terminate('test done');
});

test('OPI refusing for good releases the lease with the reason; nothing is attached', async () => {
  calls.length = 0;
  opiRefuses = true;
  try {
    const handle = await client.workflow.start('vfLease', {
      taskQueue: CONTROL_TASK_QUEUE,
      workflowId: 'lease-opi-refused',
      args: [input('0000:03:00.4')],
    });
    const result = (await handle.result()) as VfLeaseStatus;
    expect(result.phase).toBe('Released');
    expect(result.lastError).toContain('ALREADY_EXISTS');
    expect(calls).not.toContain('attach 0000:03:00.4');
  } finally {
    opiRefuses = false;
  }
});

test('bad input is refused before anything is done', async () => {
  calls.length = 0;
  const handle = await client.workflow.start('vfLease', {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId: 'lease-bad',
    args: [input('0000:03:00.X', { mac: 'zz' })],
  });
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(String((err as WorkflowFailedError).cause?.message)).toMatch(/0000:03:00\.X.*MAC "zz"/);
  expect(calls).toEqual([]);
});
