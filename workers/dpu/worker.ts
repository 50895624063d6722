/**
 * The DPU worker: one per DPU, polling `xpuflow-dpu-<dpu>`. It reaches the
 * xPU's own OPI server (the xPU side of VF leases) and its Open vSwitch
 * (service-chain ports and flows). Wiring only.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createOpiActivities } from '../../activities/opi';
import { createOvsActivities, DEFAULT_OVS_DB } from '../../activities/ovs';
import { dpuTaskQueue } from '../../model/task-queues';
import { checkDpuName } from '../../model/validation';

export interface DpuWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  dpu: string;
  /** host:port of the DPU's OPI server. */
  opiAddress: string;
  /** The DPU's ovsdb (default unix:/var/run/openvswitch/db.sock). */
  ovsDb?: string;
  /** ovs-vswitchd's rundir with the <bridge>.mgmt sockets (default: the db socket's directory). */
  ovsRundir?: string;
  /** datapath_type of bridges the worker creates (netdev for the userspace datapath). */
  ovsDatapathType?: string;
  /** The payload codec (codec/codecDataConverter) when payloads are encrypted. */
  dataConverter?: DataConverter;
}

export async function createDpuWorker(opts: DpuWorkerOptions): Promise<Worker> {
  const bad = checkDpuName(opts.dpu);
  if (bad) throw new Error(bad);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: dpuTaskQueue(opts.dpu),
    identity: `dpu-worker@${opts.dpu}`,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    activities: {
      ...createOpiActivities({ dpu: opts.dpu, opiAddress: opts.opiAddress }),
      ...createOvsActivities({
        dpu: opts.dpu,
        db: opts.ovsDb ?? DEFAULT_OVS_DB,
        ...(opts.ovsRundir ? { rundir: opts.ovsRundir } : {}),
        ...(opts.ovsDatapathType ? { datapathType: opts.ovsDatapathType } : {}),
      }),
    },
  });
}
