/**
 * `createJoinToken`: a bootstrap token in the DPU cluster for this DPU (the
 * one there, or a new one); returns its ID, never the secret. The fields are
 * kubeadm's (`kubeadm token create`: usages authentication and signing, the
 * default-node-token group), so the RBAC kubeadm sets up for joining applies.
 */
import { randomBytes } from 'node:crypto';
import { isConflict } from '../../platform/kube/client';
import { DPU_NODE_LABEL } from '../../model/resources/common';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';
import { liveJoinToken } from './dpu-cluster-join-material';

const TOKEN_TTL_SECONDS = 3600;

export function joinTokenActivity(dpuCluster: DpuClusterOf) {
  return {
    /** A bootstrap token in the DPU cluster for this DPU; returns its ID (never the secret). */
    async createJoinToken(input: DpuClusterInput): Promise<{ tokenId: string }> {
      const k = await dpuCluster(input.cluster);
      // An expired token is left for kube-controller-manager's tokencleaner; the DPU gets a new one.
      const live = await liveJoinToken(k, input.dpuNode);
      if (live) return { tokenId: live.id };
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
  };
}
