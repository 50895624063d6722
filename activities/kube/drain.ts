/**
 * Drain a node: evict its pods through the Eviction API, so
 * PodDisruptionBudgets are honoured, until none is left; when the time is up,
 * fail naming the pods that held it and why.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type * as k8s from '@kubernetes/client-node';
import { apiMessage, statusCode, type Kube } from '../../platform/kube/client';
import { waitUntil } from '../wait-until';

/** Pods a drain must move: not mirror pods, not DaemonSet pods, not finished. */
function evictable(p: k8s.V1Pod): boolean {
  if (p.metadata?.annotations?.['kubernetes.io/config.mirror']) return false;
  if (p.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet')) return false;
  return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

/** Drains `node`; returns how many pods it evicted. */
export async function drain(k: Kube, node: string, timeoutSeconds: number): Promise<number> {
  const evicted = new Set<string>();
  return waitUntil<number>({
    what: `node ${node} to be drained`,
    timeoutSeconds,
    look: async () => {
      const pods = (
        await k.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })
      ).items.filter(evictable);
      if (pods.length === 0) return { done: evicted.size };
      const blocked = await evictRound(k, pods, evicted);
      const seen = pods
        .map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`)
        .map(
          (id) => `${id} (${blocked.has(id) ? `eviction refused: ${blocked.get(id)}` : 'still terminating'})`,
        )
        .join(', ');
      return { seen, details: { node, remaining: pods.length, blocked: [...blocked.keys()] } };
    },
    onTimeout: (seen) => {
      throw ApplicationFailure.nonRetryable(
        `drain of node ${node} timed out after ${timeoutSeconds} s; pods still there: ${seen}. Relax the PodDisruptionBudget, move the pods, or raise nodeEffect.drain.timeoutSeconds`,
        'DrainTimeout',
      );
    },
  });
}

/** Asks to evict each pod not already going; returns the pods whose eviction was refused, with why. */
async function evictRound(k: Kube, pods: k8s.V1Pod[], evicted: Set<string>): Promise<Map<string, string>> {
  const blocked = new Map<string, string>();
  for (const p of pods) {
    const id = `${p.metadata!.namespace}/${p.metadata!.name}`;
    if (p.metadata?.deletionTimestamp) continue; // evicted, waiting for the kubelet
    try {
      await k.core.createNamespacedPodEviction({
        namespace: p.metadata!.namespace!,
        name: p.metadata!.name!,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: p.metadata!.name!, namespace: p.metadata!.namespace! },
        },
      });
      evicted.add(id);
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) continue;
      if (code === 429 || code === 500) blocked.set(id, apiMessage(err));
      else throw err;
    }
  }
  return blocked;
}
