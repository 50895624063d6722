/**
 * `removeKamajiCluster`: deletes what makeKamajiControlPlane and
 * writeDpuClusterKubeconfig made — the TenantControlPlane (Kamaji then
 * removes its Deployment and admin kubeconfig), the keepalived load
 * balancer, the NodePort Service and the kubeconfig Secret — each only when
 * it carries the cluster's label, so nothing someone else made goes. The
 * owner references say the same to a garbage collector; this does not wait
 * for one. Idempotent.
 */
import type { DpuClusterSpec, ObjectRef } from '../../../model/resources/common';
import { DPU_CLUSTER_LABEL, kamajiObjectNames, kubeconfigSecretOf } from '../../../model/dpu-cluster';
import { isNotFound, type Kube } from '../../../platform/kube/client';
import { deleteLoadBalancer } from './load-balancer';
import { deleteTenantControlPlane, getTenantControlPlane } from './tenant-control-planes';

export function removeActivity(host: () => Kube) {
  return {
    async removeKamajiCluster(input: { cluster: ObjectRef; spec: DpuClusterSpec }): Promise<string[]> {
      const h = host();
      const { cluster: ref } = input;
      const ns = ref.namespace;
      const names = kamajiObjectNames(ref.name);
      const ours = (labels: Record<string, string> | undefined) => labels?.[DPU_CLUSTER_LABEL] === ref.name;
      const removed: string[] = [];
      const tcp = await getTenantControlPlane(h, ns, names.tenantControlPlane).catch((err: unknown) => {
        if (isNotFound(err)) return undefined; // Kamaji's CRD is gone: nothing of it to delete
        throw err;
      });
      if (
        tcp &&
        ours(tcp.metadata.labels) &&
        (await deleteTenantControlPlane(h, ns, names.tenantControlPlane))
      )
        removed.push(`TenantControlPlane ${ns}/${names.tenantControlPlane}`);
      removed.push(...(await deleteLoadBalancer(h, { name: ref.name, namespace: ns })));
      const svc = await read(() => h.core.readNamespacedService({ namespace: ns, name: names.service }));
      if (
        svc &&
        ours(svc.metadata?.labels) &&
        (await gone(() => h.core.deleteNamespacedService({ namespace: ns, name: names.service })))
      )
        removed.push(`Service ${ns}/${names.service}`);
      const secret = kubeconfigSecretOf({ metadata: { name: ref.name }, spec: input.spec }).name;
      const s = await h.getSecret(ns, secret);
      if (
        s &&
        ours(s.metadata?.labels) &&
        (await gone(() => h.core.deleteNamespacedSecret({ namespace: ns, name: secret })))
      )
        removed.push(`Secret ${ns}/${secret}`);
      return removed;
    },
  };
}

async function read<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** True when this call deleted it, false when it was gone already. */
async function gone(del: () => Promise<unknown>): Promise<boolean> {
  try {
    await del();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
