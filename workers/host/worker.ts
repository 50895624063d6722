/**
 * The host worker: one per host node, polling `xpuflow-host-<node>`. It does
 * the node-local work (sysfs SR-IOV) that only a process on that host can do.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as path from 'node:path';
import { createNetdevActivities } from '../../activities/netdev';
import { createSysfsActivities } from '../../activities/sysfs';
import { createVmActivities } from '../../activities/vfio';
import { hostTaskQueue } from '../../model/task-queues';
import { checkNodeName } from '../../model/validation';

export interface HostWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  node: string;
  /** Root of sysfs: `/sys` on a real host, a simulator's tree in tests and the demo. */
  sysfsRoot: string;
  identity?: string;
  /** The payload codec (codec/codecDataConverter) when payloads are encrypted. */
  dataConverter?: DataConverter;
  /** Where CNI ADD records live (the VF config's stateDir). Default /var/lib/xpuflow. */
  stateDir?: string;
}

export async function createHostWorker(opts: HostWorkerOptions): Promise<Worker> {
  const bad = checkNodeName(opts.node);
  if (bad) throw new Error(bad);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: hostTaskQueue(opts.node),
    identity: opts.identity ?? `host-worker@${opts.node}`,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    activities: {
      ...createSysfsActivities({ sysfsRoot: opts.sysfsRoot, node: opts.node }),
      // VF attach (CNI netns moves) and VM claims (vfio-pci, QMP hot-plug).
      ...createNetdevActivities({
        node: opts.node,
        sysfsRoot: opts.sysfsRoot,
        stateDir: path.join(opts.stateDir ?? '/var/lib/xpuflow', 'attach'),
      }),
      ...createVmActivities({ node: opts.node, sysfsRoot: opts.sysfsRoot, stateDir: opts.stateDir }),
    },
  });
}
