/**
 * `awaitDpuNodeReady`: waits until the DPU is a Ready node of its DPU cluster.
 * While it waits it also looks at the bootstrap token the DPU joins with: a
 * token deleted or expired is the likely reason a flashed DPU stays out (the
 * API server refuses it with 401), so the timeout names it.
 */
import type * as k8s from '@kubernetes/client-node';
import { log } from '@temporalio/activity';
import { waitUntil } from '../wait-until';
import type { Kube } from '../../platform/kube/client';
import type { DpuClusterInput, DpuClusterOf } from './dpu-cluster-client';
import { KubeFailureType } from './failures';
import { nodeTarget, watchedWake, WatchedObject } from './object-watch';

/** What became of bootstrap token `id` (kube-system/bootstrap-token-<id>). */
async function tokenState(k: Kube, id: string): Promise<string> {
  const s = await k.getSecret('kube-system', `bootstrap-token-${id}`);
  if (!s) return `its join token ${id} is deleted (the API server refuses it: 401)`;
  const raw = s.data?.expiration;
  const expiration = raw ? Buffer.from(raw, 'base64').toString() : '';
  if (expiration && Date.parse(expiration) <= Date.now())
    return `its join token ${id} expired at ${expiration} (the API server refuses it: 401)`;
  return `its join token ${id} is live`;
}

/** How often a wait reads the join token while the node has not joined. */
export const TOKEN_LOOK_MS = 10_000;

/**
 * Between two looks at the node when no watch event came. A watch on the
 * node wakes the wait at each change (its creation by the joining kubelet,
 * its Ready condition) and delivers it, so the DPU is seen as soon as it is
 * Ready and a look reads what it delivered rather than GET the node; the
 * looks are the backstop for a watch the API server closed or refused.
 */
export const NODE_LOOK_SECONDS = 5;

export function nodeReadyActivity(dpuCluster: DpuClusterOf) {
  return {
    async awaitDpuNodeReady(
      input: DpuClusterInput & { timeoutSeconds: number; tokenId?: string },
    ): Promise<void> {
      const k = await dpuCluster(input.cluster);
      // The token's state only explains a DPU that stays out: read every TOKEN_LOOK_MS, not at every look.
      let token: { said: string; at: number } | undefined;
      const tokenSaid = async (id: string) => {
        if (!token || Date.now() - token.at >= TOKEN_LOOK_MS)
          token = { said: await tokenState(k, id), at: Date.now() };
        return token.said;
      };
      const what = `DPU node ${input.dpuNode} to be Ready in DPUCluster ${input.cluster.name}`;
      const watched = new WatchedObject<k8s.V1Node>();
      await waitUntil({
        what,
        timeoutSeconds: input.timeoutSeconds,
        pollSeconds: NODE_LOOK_SECONDS,
        wakeOn: watchedWake(k, nodeTarget(input.dpuNode), watched, (message) =>
          log.warn(`${what}: ${message}`),
        ),
        failureType: KubeFailureType.DpuNodeNotReady,
        hint:
          'the DPU joins at boot with the kubeadm join command in its bf.cfg; a wrong, expired or deleted ' +
          'bootstrap token is refused by the API server: check the token and the DPU\'s kubeadm-join log, then retry from "OS Installing"',
        look: async () => {
          const node = await watched.read(() => k.getNode(input.dpuNode));
          const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
          if (ready?.status === 'True') return { done: undefined };
          const seen = node
            ? `node present, Ready=${ready?.status ?? 'Unknown'}`
            : `node ${input.dpuNode} not joined yet${input.tokenId ? `; ${await tokenSaid(input.tokenId)}` : ''}`;
          return { seen, details: { node: input.dpuNode } };
        },
      });
    },
  };
}
