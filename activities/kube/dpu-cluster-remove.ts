/**
 * `removeDpuFromCluster`: the DPU's join tokens, then its node, out of the DPU
 * cluster; `removeDpuNode`: its node alone, before a flash after which the DPU
 * joins again under the same name. What is already gone is fine.
 */
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
      await deleteNode(k, input.dpuNode);
      return `removed node ${input.dpuNode} from DPUCluster ${input.cluster.name}`;
    },

    /**
     * Removes the DPU's Node (not its join tokens: the bf.cfg about to be flashed carries one) before a
     * flash. The reflashed DPU joins again under the same name, and kubeadm join refuses while a Ready
     * Node of that name exists (kubernetes/kubernetes v1.36.3, cmd/kubeadm/app/cmd/phases/join/kubelet.go
     * runKubeletStartJoinPhase: "a Node with name %q and status %q already exists in the cluster"); the
     * old Node, whose kubelet never reports again, would also pass the wait for the new one as Ready.
     * NVIDIA DPF rolls a DPUSet by deleting the DPU object, and a deleted DPU deletes its Node from the
     * DPU cluster before it is provisioned again (NVIDIA/doca-platform @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f,
     * internal/provisioning/controllers/dpuset/dpuset_controller.go rolloutRolling,
     * internal/provisioning/controllers/dpu/state/deleting.go deleteNode).
     */
    async removeDpuNode(input: DpuClusterInput): Promise<string> {
      const k = await dpuCluster(input.cluster);
      return (await deleteNode(k, input.dpuNode))
        ? `removed node ${input.dpuNode} from DPUCluster ${input.cluster.name} before the flash`
        : `no node ${input.dpuNode} in DPUCluster ${input.cluster.name}`;
    },
  };
}

/** Deletes Node `name`; false when there was none. */
async function deleteNode(k: Kube, name: string): Promise<boolean> {
  try {
    await k.core.deleteNode({ name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
