/** Task-queue names: a workflow routes an activity to a node by choosing one of these. */
export const CONTROL_TASK_QUEUE = 'xpuflow-control';

export function hostTaskQueue(node: string): string {
  return `xpuflow-host-${node}`;
}

/**
 * The DPU worker's queue (`xpuflow worker dpu --dpu NAME`). Named by the DPU
 * name alone: two DPU objects of one name in two namespaces would share it,
 * and their VF-lease and service-chain activities could land on either
 * DPU's worker. Not yet namespaced: the DPU worker takes no namespace.
 */
export function dpuTaskQueue(dpu: string): string {
  return `xpuflow-dpu-${dpu}`;
}
