/**
 * The host cluster's kubelets, played (there are none on loopback API
 * servers): pods bound to a node become Running and Ready, pods being deleted
 * are finished. DPUs join their DPU cluster themselves, with their bf.cfg
 * (sim/dpu/join.ts). Pods bound to a node in `realNodes` are left to that
 * node's own kubelet (test/kube/real-host-node.ts); the set may grow later.
 *
 * Like a kubelet, it watches pods and acts on each change as it comes; every
 * `resyncMs` it lists them all again, which retries what failed (a patch the
 * API server refused) and starts the watch again when it ended. Listing
 * every 300 ms instead cost ~3.8 CPU-s a minute (jest process, API server,
 * etcd) with six pods, most of a kube test file's idle load.
 */
import * as k8s from '@kubernetes/client-node';
import { apiMessage, isConflict, isNotFound, type Kube } from '../../platform/kube/client';
import { apiServerGone } from './api-server-gone';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface PlayedKubelets {
  stop(): void;
}

export function playKubelets(
  host: Kube,
  resyncMs = 5000,
  realNodes: ReadonlySet<string> = new Set(),
): PlayedKubelets {
  let stopped = false;
  let watching: AbortController | undefined;
  let listing = false;

  const what = (p: k8s.V1Pod) => (p.metadata?.deletionTimestamp ? 'delete pod' : 'mark Running pod');
  const act = async (p: k8s.V1Pod): Promise<void> => {
    const namespace = p.metadata!.namespace!;
    const name = p.metadata!.name!;
    if (p.spec?.nodeName && realNodes.has(p.spec.nodeName)) return;
    try {
      if (p.metadata?.deletionTimestamp) {
        await host.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
      } else if (p.spec?.nodeName && p.status?.phase !== 'Running') {
        await host.core.patchNamespacedPodStatus(
          {
            namespace,
            name,
            body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
          },
          MERGE,
        );
      }
    } catch (err) {
      // Gone or changed meanwhile: its next event (or none, when gone) says what to do; an API
      // server that stopped needs nothing. Anything else is said, and the next resync tries again.
      if (isNotFound(err) || isConflict(err) || apiServerGone(err)) return;
      console.warn(`played kubelets: ${what(p)} ${namespace}/${name} failed: ${apiMessage(err)}`);
    }
  };

  const watchFrom = async (resourceVersion: string | undefined): Promise<void> => {
    const ended = () => {
      watching = undefined;
    };
    watching = await new k8s.Watch(host.kc).watch(
      '/api/v1/pods',
      { allowWatchBookmarks: true, ...(resourceVersion ? { resourceVersion } : {}) },
      (type: string, pod: k8s.V1Pod) => {
        if (type === 'ADDED' || type === 'MODIFIED') void act(pod);
      },
      ended, // closed by the API server, expired (410) or stopped: the next resync lists and watches again
    );
    if (stopped) watching.abort();
  };

  const resync = async (): Promise<void> => {
    if (listing || stopped) return;
    listing = true;
    try {
      const pods = await host.core.listPodForAllNamespaces();
      for (const p of pods.items) await act(p);
      // Watched from the list's version: no change between the two is missed.
      if (!watching && !stopped) await watchFrom(pods.metadata?.resourceVersion);
    } catch (err) {
      // An API server stopping at the end of a run is expected; anything else is said. The next resync tries again.
      if (!apiServerGone(err)) console.warn(`played kubelets: listing pods failed: ${apiMessage(err)}`);
    } finally {
      listing = false;
    }
  };

  void resync();
  const timer = setInterval(() => void resync(), resyncMs);
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
      watching?.abort();
    },
  };
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
