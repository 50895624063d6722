/** `removeDpuFromCluster`: the DPU's join tokens, then its node, out of the DPU cluster; what is already gone is fine. */
import { ApplicationFailure } from '@temporalio/activity';
import { isNotFound, type Kube } from '../../platform/kube/client';
import { DPU_NODE_LABEL } from '../../model/resources/common';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';

export function removeFromClusterActivity(dpuCluster: DpuClusterOf) {
  return {
    /** Removes the DPU's node and join tokens from the DPU cluster; a cluster or node already gone is fine. */
    async removeDpuFromCluster(input: DpuClusterInput): Promise<string> {
      let k: Kube;
      try {
        k = await dpuCluster(input.cluster);
      } catch (err) {
        if (err instanceof ApplicationFailure)
          return `DPU cluster unreachable (${err.message}); nothing removed`;
        throw err;
      }
      // Tokens first, so the DPU cannot join again behind our back.
      await k.core.deleteCollectionNamespacedSecret({
        namespace: 'kube-system',
        labelSelector: `${DPU_NODE_LABEL}=${input.dpuNode}`,
      });
      try {
        await k.core.deleteNode({ name: input.dpuNode });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return `removed node ${input.dpuNode} from DPUCluster ${input.cluster.name}`;
    },
  };
}
