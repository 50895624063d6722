/**
 * DPU Cluster Config: the DPU joins the DPU cluster named by its DPUCluster
 * (reached through a kubeconfig Secret). xpuflow makes a bootstrap join token
 * there, waits for the DPU's node to be Ready, and labels it. The token's
 * secret never leaves the DPU cluster: only its ID goes into history.
 */
import { dpuClusterClient } from './cluster-clients';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { waitUntil } from '../wait-until';
import { isConflict, isNotFound, Kube } from '../../platform/kube/client';
import { DPU_NODE_LABEL, HOST_NODE_LABEL, type ObjectRef } from '../../model/resources/common';

export interface DpuClusterInput {
  /** The DPUCluster object (in the DPU's namespace). */
  cluster: ObjectRef;
  /** The DPU's node name in the DPU cluster (the DPU object's name). */
  dpuNode: string;
}

const TOKEN_TTL_SECONDS = 3600;

export function dpuClusterActivities(kube: () => Kube) {
  const dpuCluster = async (ref: ObjectRef): Promise<Kube> =>
    (await dpuClusterClient(kube(), ref, { fixMissing: "create it or fix the DPU's spec.cluster.name" }))
      .kube;

  return {
    /** A bootstrap token in the DPU cluster for this DPU; returns its ID (never the secret). */
    async createJoinToken(input: DpuClusterInput): Promise<{ tokenId: string }> {
      const k = await dpuCluster(input.cluster);
      const existing = await k.core.listNamespacedSecret({
        namespace: 'kube-system',
        labelSelector: `${DPU_NODE_LABEL}=${input.dpuNode}`,
      });
      const live = existing.items.find((s) => s.type === 'bootstrap.kubernetes.io/token');
      if (live?.data?.['token-id'])
        return { tokenId: Buffer.from(live.data['token-id'], 'base64').toString() };
      const tokenId = randomBytes(3).toString('hex');
      const tokenSecret = randomBytes(8).toString('hex');
      try {
        await k.core.createNamespacedSecret({
          namespace: 'kube-system',
          body: {
            metadata: { name: `bootstrap-token-${tokenId}`, labels: { [DPU_NODE_LABEL]: input.dpuNode } },
            type: 'bootstrap.kubernetes.io/token',
            stringData: {
              'token-id': tokenId,
              'token-secret': tokenSecret,
              description: `xpuflow join token for DPU ${input.dpuNode}`,
              expiration: new Date(Date.now() + TOKEN_TTL_SECONDS * 1000).toISOString(),
              'usage-bootstrap-authentication': 'true',
              'usage-bootstrap-signing': 'true',
              'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
            },
          },
        });
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      return { tokenId };
    },

    async awaitDpuNodeReady(input: DpuClusterInput & { timeoutSeconds: number }): Promise<void> {
      const k = await dpuCluster(input.cluster);
      await waitUntil({
        what: `DPU ${input.dpuNode} to be a Ready node of DPUCluster ${input.cluster.name}`,
        timeoutSeconds: input.timeoutSeconds,
        failureType: 'DpuNodeNotReady',
        hint: "check the DPU's kubelet and its join token",
        look: async () => {
          const node = await k.getNode(input.dpuNode);
          const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
          if (ready?.status === 'True') return { done: undefined };
          const seen = node ? `node present, Ready=${ready?.status ?? 'Unknown'}` : 'node not joined yet';
          return { seen, details: { node: input.dpuNode } };
        },
      });
    },

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
