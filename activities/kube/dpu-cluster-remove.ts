/**
 * `removeDpuFromCluster`: the DPU's join tokens, then its node, out of the DPU
 * cluster; `removeDpuNode`: its node alone, before a flash after which the DPU
 * joins again under the same name. What is already gone is fine.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { isConflict, isNotFound, type Kube } from '../../platform/kube/client';
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
     * flash, or, with `joinedBefore` (the BMC path, where the flash is known to happen only once the BMC
     * took the update), once the flash began: then a Node that joined since that time is the reflashed
     * DPU's and is kept (a control worker down through the whole flash must not delete it). The
     * reflashed DPU joins again under the same name, and kubeadm join refuses while a Ready Node of that
     * name exists (kubernetes/kubernetes v1.36.3, cmd/kubeadm/app/cmd/phases/join/kubelet.go
     * runKubeletStartJoinPhase: "a Node with name %q and status %q already exists in the cluster"); the
     * old Node, whose kubelet never reports again, would also pass the wait for the new one as Ready.
     * NVIDIA DPF rolls a DPUSet by deleting the DPU object, and a deleted DPU deletes its Node from the
     * DPU cluster before it is provisioned again (NVIDIA/doca-platform @1f6a80c0b08718c1fa6be9cf6bab3a417ee98a6f,
     * internal/provisioning/controllers/dpuset/dpuset_controller.go rolloutRolling,
     * internal/provisioning/controllers/dpu/state/deleting.go deleteNode).
     */
    async removeDpuNode(input: DpuClusterInput & { joinedBefore?: string }): Promise<string> {
      const k = await dpuCluster(input.cluster);
      if (input.joinedBefore === undefined) {
        return (await deleteNode(k, input.dpuNode)) === 'deleted'
          ? `removed node ${input.dpuNode} from DPUCluster ${input.cluster.name} before the flash`
          : `no node ${input.dpuNode} in DPUCluster ${input.cluster.name}`;
      }
      // After the flash began (the BMC path): a Node made since is the reflashed DPU's own, and stays.
      const node = await k.getNode(input.dpuNode);
      if (!node) return `no node ${input.dpuNode} in DPUCluster ${input.cluster.name}`;
      const created = node.metadata?.creationTimestamp;
      if (created && new Date(created).getTime() >= Date.parse(input.joinedBefore)) {
        return `kept node ${input.dpuNode}: it joined at ${new Date(created).toISOString()}, after the flash began at ${input.joinedBefore}`;
      }
      // Its UID as a precondition: a Node made again under the name between the read and the delete stays.
      const outcome = await deleteNode(k, input.dpuNode, node.metadata?.uid);
      if (outcome === 'replaced')
        return `kept node ${input.dpuNode}: it joined again while it was being removed`;
      if (outcome === 'absent') return `no node ${input.dpuNode} in DPUCluster ${input.cluster.name}`;
      return `removed node ${input.dpuNode} (joined ${created ? new Date(created).toISOString() : 'at an unknown time'}) from DPUCluster ${input.cluster.name} after the flash began`;
    },
  };
}

/** Deletes Node `name`, only if its UID is `uid` when given: 'replaced' when it is another Node now. */
async function deleteNode(k: Kube, name: string, uid?: string): Promise<'deleted' | 'absent' | 'replaced'> {
  try {
    await k.core.deleteNode({ name, ...(uid ? { body: { preconditions: { uid } } } : {}) });
    return 'deleted';
  } catch (err) {
    if (isNotFound(err)) return 'absent';
    // The API server answers 409 when the precondition's UID is not the Node's.
    if (uid && isConflict(err)) return 'replaced';
    throw err;
  }
}
