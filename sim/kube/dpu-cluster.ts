/** Registers a started cluster as a DPUCluster of the host: its kubeconfig in a Secret `<name>-kubeconfig`, and the DPUCluster naming it. */
import type { Kube } from '../../platform/kube/client';
import type { KubeCluster } from './apiservers';

export async function registerDpuCluster(
  host: Kube,
  namespace: string,
  name: string,
  cluster: KubeCluster,
  labels: Record<string, string> = {},
): Promise<void> {
  const secret = `${name}-kubeconfig`;
  await host.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: secret }, stringData: { kubeconfig: cluster.kubeconfigYaml } },
  });
  await host.create('DPUCluster', namespace, {
    metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) },
    spec: { kubeconfigSecret: { name: secret } },
  });
}
