/**
 * `createJoinToken`: a bootstrap token in the DPU cluster for this DPU (the
 * one there, or a new one); returns its ID, never the secret.
 */
import { randomBytes } from 'node:crypto';
import { isConflict } from '../../platform/kube/client';
import { DPU_NODE_LABEL } from '../../model/resources/common';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';

const TOKEN_TTL_SECONDS = 3600;

export function joinTokenActivity(dpuCluster: DpuClusterOf) {
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
  };
}
