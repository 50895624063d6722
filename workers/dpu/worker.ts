/**
 * The DPU worker: one per DPU, polling `xpuflow-dpu-<dpu>`. It reaches the
 * xPU's own OPI server (the xPU side of VF leases) and its Open vSwitch
 * (service-chain ports and flows). Wiring only.
 */
import { Worker } from '@temporalio/worker';
import { createOpiActivities } from '../../activities/opi';
import { createOvsActivities, DEFAULT_OVS_DB } from '../../activities/ovs';
import { dpuTaskQueue } from '../../model/task-queues';
import { checkDpuName } from '../../model/validation';
import { commonWorkerOptions, type WorkerConnectionOptions } from '../worker-options';

export interface DpuWorkerOptions extends WorkerConnectionOptions {
  dpu: string;
  /** host:port of the DPU's OPI server. */
  opiAddress: string;
  /** The DPU's ovsdb (default unix:/var/run/openvswitch/db.sock). */
  ovsDb?: string;
  /** ovs-vswitchd's rundir with the <bridge>.mgmt sockets (default: the db socket's directory). */
  ovsRundir?: string;
  /** datapath_type of bridges the worker creates (netdev for the userspace datapath). */
  ovsDatapathType?: string;
}

export async function createDpuWorker(opts: DpuWorkerOptions): Promise<Worker> {
  const bad = checkDpuName(opts.dpu);
  if (bad) throw new Error(bad);
  return Worker.create({
    ...commonWorkerOptions(opts, dpuTaskQueue(opts.dpu), `dpu-worker@${opts.dpu}`),
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
