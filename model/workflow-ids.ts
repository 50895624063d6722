/**
 * Workflow IDs derive from the resource they act on, so a restarted caller
 * (controller, CLI, demo) can never start a second run for the same DPU.
 */
export function provisionDpuWorkflowId(dpuName: string): string {
  return `provision-dpu-${dpuName}`;
}
