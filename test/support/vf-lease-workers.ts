/**
 * The workers a VF lease needs, for tests that drive the device plugin rather
 * than the netdev moves or OPI: the control worker running the real
 * workflows, a host worker running the real VF lease (leases start on the
 * host's queue) whose attach and detach only echo the request, and a DPU
 * worker whose bridge ports only echo theirs.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import { testWorkflowBundle } from './workflow-bundle';

export async function vfLeaseWorkers(
  connection: NativeConnection,
  placement: { node: string; dpuQueue: string },
): Promise<Worker[]> {
  return [
    await Worker.create({
      connection,
      taskQueue: CONTROL_TASK_QUEUE,
      workflowBundle: await testWorkflowBundle(require.resolve('../../workflows')),
    }),
    await Worker.create({
      connection,
      taskQueue: hostTaskQueue(placement.node),
      workflowBundle: await testWorkflowBundle(require.resolve('../../workflows/vf-lease')),
      activities: {
        attachVfNetdev: async (req: { ifname: string }) => ({
          ...req,
          podIfname: req.ifname,
          mac: '',
          mtu: 1500,
        }),
        detachVfNetdev: async () => undefined,
      },
    }),
    await Worker.create({
      connection,
      taskQueue: placement.dpuQueue,
      activities: {
        opiEnsureBridgePort: async (req: { id: string; mac: string; vlan: number }) => ({
          name: `bridgePorts/${req.id}`,
          mac: req.mac,
          vlan: req.vlan,
        }),
        opiDeleteBridgePort: async () => undefined,
      },
    }),
  ];
}
