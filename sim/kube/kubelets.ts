/**
 * The host cluster's kubelets, played (there are none on loopback API
 * servers): pods bound to a node become Running and Ready, pods being deleted
 * are finished. DPUs join their DPU cluster themselves, with their bf.cfg
 * (sim/dpu/join.ts). Pods bound to a node in `realNodes` are left to that
 * node's own kubelet (test/kube/real-host-node.ts); the set may grow later.
 */
import * as k8s from '@kubernetes/client-node';
import { apiMessage, isNotFound, type Kube } from '../../platform/kube/client';
import { apiServerGone } from './api-server-gone';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface PlayedKubelets {
  stop(): void;
}

/** A pod that is gone (404) or an API server that stopped needs nothing; any other failure is said, and the next pass tries again. */
function unlessGone(what: string) {
  return (err: unknown) => {
    if (isNotFound(err) || apiServerGone(err)) return;
    console.warn(`played kubelets: ${what} failed: ${apiMessage(err)}`);
  };
}

export function playKubelets(
  host: Kube,
  everyMs = 300,
  realNodes: ReadonlySet<string> = new Set(),
): PlayedKubelets {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const pods = await host.core.listPodForAllNamespaces();
      for (const p of pods.items) {
        const namespace = p.metadata!.namespace!;
        const name = p.metadata!.name!;
        if (p.spec?.nodeName && realNodes.has(p.spec.nodeName)) continue;
        if (p.metadata?.deletionTimestamp) {
          await host.core
            .deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 })
            .catch(unlessGone(`delete pod ${namespace}/${name}`));
        } else if (p.spec?.nodeName && p.status?.phase !== 'Running') {
          await host.core
            .patchNamespacedPodStatus(
              {
                namespace,
                name,
                body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
              },
              MERGE,
            )
            .catch(unlessGone(`mark pod ${namespace}/${name} Running`));
        }
      }
    } catch (err) {
      // An API server stopping at the end of a run is expected; anything else is said.
      if (!apiServerGone(err)) console.warn(`played kubelets: listing pods failed: ${apiMessage(err)}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  return { stop: () => clearInterval(timer) };
}

/**
 * A host node as its kubelet registers it: labels, an InternalIP, Ready. Its
 * DPUs' `dpu.xpuflow.dev/pci-address-<n>` labels are node discovery's to
 * write (node/discovery, run by the host worker), not the kubelet's.
 */
export async function createHostNode(
  host: Kube,
  name: string,
  address: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await host.core.createNode({ body: { metadata: { name, labels } } });
  await host.core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          addresses: [{ type: 'InternalIP', address }],
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'played' }],
        },
      },
    },
    MERGE,
  );
}
