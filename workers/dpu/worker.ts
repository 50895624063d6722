/**
 * The DPU worker: one per DPU, polling its DPU's queue (model/task-queues.ts:
 * `xpuflow-dpu-<dpu>.<namespace>` for a DPU object, `xpuflow-dpu-<dpu>` for
 * one started from the CLI). It reaches the
 * xPU's own OPI server (the xPU side of VF leases) and its Open vSwitch
 * (service-chain ports and flows). Wiring only.
 */
import { Worker } from '@temporalio/worker';
import { createOpiActivities } from '../../activities/opi';
import { createOvsActivities, DEFAULT_OVS_DB } from '../../activities/ovs';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { dpuNodeTaskQueue, dpuTaskQueue } from '../../model/task-queues';
import { checkDpuName, checkNamespace, checkNodeName } from '../../model/validation';
import { commonWorkerOptions, type WorkerConnectionOptions } from '../worker-options';

/**
 * Which DPU a worker serves: `dpu` alone (a DPU started from the CLI), `dpu`
 * and its `dpuNamespace` (a DPU object), or `dpuNode`, the DPU's node name in
 * its DPU cluster (`<dpu>.<namespace>`: what the chart's DaemonSet knows).
 */
export interface DpuIdentity {
  dpu?: string;
  /** The DPU object's namespace on the host cluster (not the Temporal namespace). */
  dpuNamespace?: string;
  dpuNode?: string;
}

/** The queue and the name in messages of the DPU `id` names; throws naming the wrong value. */
export function dpuWorkerQueue(id: DpuIdentity): { queue: string; name: string } {
  if (id.dpuNode !== undefined) {
    if (id.dpu !== undefined || id.dpuNamespace !== undefined) {
      throw new Error(
        `give either --dpu-node (${id.dpuNode}) or --dpu with --namespace, not both: the node name already carries both`,
      );
    }
    const bad = checkNodeName(id.dpuNode);
    if (bad) throw new Error(`--dpu-node: ${bad}`);
    return { queue: dpuNodeTaskQueue(id.dpuNode), name: id.dpuNode };
  }
  if (id.dpu === undefined) throw new Error('say which DPU: --dpu NAME [--namespace NS], or --dpu-node NODE');
  const bad = checkDpuName(id.dpu);
  if (bad) throw new Error(bad);
  if (id.dpuNamespace === undefined) return { queue: dpuTaskQueue(id.dpu), name: id.dpu };
  const badNs = checkNamespace(id.dpuNamespace);
  if (badNs) throw new Error(`--namespace: ${badNs}`);
  return {
    queue: dpuTaskQueue(id.dpu, id.dpuNamespace),
    name: dpuClusterNodeName(id.dpuNamespace, id.dpu),
  };
}

export interface DpuWorkerOptions extends WorkerConnectionOptions, DpuIdentity {
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
  const { queue, name } = dpuWorkerQueue(opts);
  return Worker.create({
    ...commonWorkerOptions(opts, queue, `dpu-worker@${name}`),
    activities: {
      ...createOpiActivities({ dpu: name, opiAddress: opts.opiAddress }),
      ...createOvsActivities({
        dpu: name,
        db: opts.ovsDb ?? DEFAULT_OVS_DB,
        ...(opts.ovsRundir ? { rundir: opts.ovsRundir } : {}),
        ...(opts.ovsDatapathType ? { datapathType: opts.ovsDatapathType } : {}),
      }),
    },
  });
}
