/** Task-queue names: a workflow routes an activity to a node by choosing one of these. */
export const CONTROL_TASK_QUEUE = 'xpuflow-control';

export function hostTaskQueue(node: string): string {
  return `xpuflow-host-${node}`;
}

export function dpuTaskQueue(dpu: string): string {
  return `xpuflow-dpu-${dpu}`;
}
