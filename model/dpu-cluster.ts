/**
 * Pure rules of the DPUCluster: where its kubeconfig lives, the names of what
 * a `kamaji` cluster makes, the TenantControlPlane xpuflow asks Kamaji for,
 * which DPUs are in a cluster and which of them get a seat under maxNodes.
 */
import {
  API_VERSION,
  type DpuClusterResource,
  type DpuClusterSpec,
  type DpuResource,
  type ObjectMeta,
} from './resources/common';
import { KAMAJI_GROUP, KAMAJI_VERSION } from './resources/tenant-control-plane';

/** Kept on every DPUCluster until no DPU names it and what it made is gone. */
export const DPU_CLUSTER_FINALIZER = 'provisioning.xpuflow.dev/dpu-cluster';

/** The key of the admin kubeconfig in the Secret Kamaji writes (kubeadm's AdminKubeConfigFileName), the key DPF reads (NVIDIA/doca-platform internal/dpucluster/dpucluster.go @ 1f6a80c0b087). */
export const KAMAJI_ADMIN_KUBECONFIG_KEY = 'admin.conf';

/** Label on what a kamaji DPUCluster made, naming it. */
export const DPU_CLUSTER_LABEL = 'provisioning.xpuflow.dev/dpu-cluster';

export function clusterTypeOf(spec: DpuClusterSpec): 'static' | 'kamaji' {
  return spec.type ?? 'static';
}

/** The Secret and key of the cluster's kubeconfig: given for `static`; for `kamaji` given or `<name>-kubeconfig`. */
export function kubeconfigSecretOf(dc: { metadata: ObjectMeta; spec: DpuClusterSpec }): {
  name: string;
  key: string;
} {
  const s = dc.spec.kubeconfigSecret;
  return { name: s?.name ?? `${dc.metadata.name}-kubeconfig`, key: s?.key ?? 'kubeconfig' };
}

/**
 * What a kamaji DPUCluster makes in its namespace, named as DPF names them
 * (handler.go: the TenantControlPlane and its NodePort Service take the
 * cluster's name, Kamaji's admin kubeconfig is `<tcp>-admin-kubeconfig`, the
 * keepalived ConfigMap and DaemonSet `<cluster>-keepalived`).
 */
export function kamajiObjectNames(clusterName: string) {
  return {
    tenantControlPlane: clusterName,
    service: clusterName,
    adminKubeconfig: `${clusterName}-admin-kubeconfig`,
    keepalived: `${clusterName}-keepalived`,
  };
}

/** Problems of a spec the CRD's CEL rules refuse (a spec written before the CRD had them lands here). */
export function dpuClusterSpecProblems(spec: DpuClusterSpec): string[] {
  const type = clusterTypeOf(spec);
  const problems: string[] = [];
  if (type === 'static' && !spec.kubeconfigSecret)
    problems.push(
      'spec.kubeconfigSecret is required for type static: name the Secret holding its kubeconfig',
    );
  if (type === 'kamaji' && !spec.kamaji?.version)
    problems.push(
      'spec.kamaji.version is required for type kamaji: the Kubernetes version of its control plane',
    );
  if (type === 'static' && spec.kamaji)
    problems.push('spec.kamaji is set but spec.type is static: set type kamaji or remove spec.kamaji');
  return problems;
}

/** An owner reference to the DPUCluster, so a real cluster's garbage collector also removes what it made. */
export function ownedByCluster(dc: { name: string; uid: string }) {
  return [{ apiVersion: API_VERSION, kind: 'DPUCluster', name: dc.name, uid: dc.uid, controller: true }];
}

/**
 * The TenantControlPlane xpuflow asks Kamaji for, after DPF's
 * expectedTenantControlPlane (handler.go): the DataStore, a NodePort Service,
 * the Kubernetes version and kubelet cgroup driver, CoreDNS and kube-proxy
 * addons; with a keepalived load balancer, networkProfile.address is its VIP
 * and networkProfile.port the NodePort the Service was given.
 */
export function tenantControlPlaneBody(
  dc: { name: string; namespace: string; uid: string; spec: DpuClusterSpec },
  nodePort: number,
): object {
  const k = dc.spec.kamaji!;
  const names = kamajiObjectNames(dc.name);
  return {
    apiVersion: `${KAMAJI_GROUP}/${KAMAJI_VERSION}`,
    kind: 'TenantControlPlane',
    metadata: {
      name: names.tenantControlPlane,
      namespace: dc.namespace,
      labels: { 'tenant.clastix.io': names.tenantControlPlane, [DPU_CLUSTER_LABEL]: dc.name },
      ownerReferences: ownedByCluster(dc),
    },
    spec: {
      ...(k.dataStore ? { dataStore: k.dataStore } : {}),
      controlPlane: {
        deployment: { replicas: k.replicas ?? 1 },
        service: { serviceType: 'NodePort' },
      },
      kubernetes: {
        version: k.version,
        kubelet: { cgroupfs: 'systemd', preferredAddressTypes: ['InternalIP', 'Hostname', 'ExternalIP'] },
      },
      ...(k.keepalived ? { networkProfile: { address: k.keepalived.vip, port: nodePort } } : {}),
      addons: { coreDNS: {}, kubeProxy: {} },
    },
  };
}

function createdAt(d: DpuResource): number {
  const t = d.metadata.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** The DPUs naming this cluster (spec.cluster.name, same namespace), oldest first, then by name. */
export function dpusInCluster(dc: DpuClusterResource, dpus: readonly DpuResource[]): DpuResource[] {
  const ns = dc.metadata.namespace ?? 'default';
  return dpus
    .filter((d) => (d.metadata.namespace ?? 'default') === ns && d.spec.cluster?.name === dc.metadata.name)
    .sort((a, b) => createdAt(a) - createdAt(b) || a.metadata.name.localeCompare(b.metadata.name));
}

/**
 * maxNodes: the oldest `maxNodes` DPUs naming the cluster have a seat, in
 * creation order, so every controller (and a restarted one) seats the same
 * DPUs; a DPU past the limit waits until one ahead of it is deleted (or the
 * limit rises). Returns the message of a DPU without a seat, or undefined.
 */
export function clusterSeatProblem(
  dpu: DpuResource,
  dc: DpuClusterResource,
  dpus: readonly DpuResource[],
): string | undefined {
  const max = dc.spec.maxNodes;
  if (max === undefined) return undefined;
  const members = dpusInCluster(dc, dpus).filter((d) => !d.metadata.deletionTimestamp);
  const at = members.findIndex((d) => d.metadata.name === dpu.metadata.name);
  if (at < 0 || at < max) return undefined;
  const seated = members.slice(0, max).map((d) => d.metadata.name);
  return `DPUCluster ${dc.metadata.namespace ?? 'default'}/${dc.metadata.name} is full: maxNodes is ${max} and ${seated.join(', ')} hold its seats; waiting for one of them to be deleted, or raise spec.maxNodes`;
}
