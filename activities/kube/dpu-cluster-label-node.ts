/** `labelDpuNode`: labels the DPU's node in the DPU cluster (its own labels, the DPU's and the host node's name). */
import { DPU_NODE_LABEL, HOST_NODE_LABEL } from '../../model/resources/common';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';

export function labelNodeActivity(dpuCluster: DpuClusterOf) {
  return {
    async labelDpuNode(
      input: DpuClusterInput & { hostNode: string; labels: Record<string, string> },
    ): Promise<void> {
      const k = await dpuCluster(input.cluster);
      await k.patchNode(input.dpuNode, {
        metadata: {
          labels: { ...input.labels, [DPU_NODE_LABEL]: input.dpuNode, [HOST_NODE_LABEL]: input.hostNode },
        },
      });
    },
  };
}
