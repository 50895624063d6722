/** Task-queue names: a workflow routes an activity to a node by choosing one of these. */
import { dpuClusterNodeName } from './dpu-cluster-node';

export const CONTROL_TASK_QUEUE = 'xpuflow-control';

export function hostTaskQueue(node: string): string {
  return `xpuflow-host-${node}`;
}

/** A guest cluster's worker (its guest controller's process, guest credentials only): status of its VFClaims. */
export function guestTaskQueue(cluster: string): string {
  return `xpuflow-guest-${cluster}`;
}

/**
 * The DPU worker's queue. A DPU object (namespaced on the host cluster) gets
 * `xpuflow-dpu-<node>`, where `<node>` is its node name in the DPU cluster
 * (`<dpu>.<namespace>`, model/dpu-cluster-node.ts), so two DPUs of one name
 * in two namespaces never share a queue, and the DPU worker DaemonSet, which
 * runs on that node, finds its queue from its node name
 * (`xpuflow worker dpu --dpu-node $(NODE_NAME)`). A DPU with no namespace
 * (started from the CLI, `xpuflow worker dpu --dpu NAME`) keeps
 * `xpuflow-dpu-<dpu>`.
 */
export function dpuTaskQueue(dpu: string, namespace?: string): string {
  return namespace === undefined
    ? `xpuflow-dpu-${dpu}`
    : dpuNodeTaskQueue(dpuClusterNodeName(namespace, dpu));
}

/** The queue of the DPU whose node in the DPU cluster is `node` (what `--dpu-node` polls). */
export function dpuNodeTaskQueue(node: string): string {
  return `xpuflow-dpu-${node}`;
}
