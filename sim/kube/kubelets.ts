/**
 * The host cluster's kubelets, played (there are none on loopback API
 * servers): pods bound to a node become Running and Ready, pods being deleted
 * are finished. DPUs join their DPU cluster themselves, with their bf.cfg
 * (sim/dpu/join.ts). Pods bound to a node in `realNodes` are left to that
 * node's own kubelet (test/kube/real-host-node.ts); the set may grow later.
 */
import * as k8s from '@kubernetes/client-node';
import type { Kube } from '../../platform/kube/client';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface PlayedKubelets {
  stop(): void;
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
            .catch(() => undefined);
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
            .catch(() => undefined);
        }
      }
    } catch {
      // an API server stopping at the end of a run
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
