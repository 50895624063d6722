/**
 * Which DPUCluster a DPU's change requeues: its own, only while that cluster is being deleted (a
 * deletion the DPU blocked may go on once it goes). The rest of a DPUCluster reconcile does not read
 * the DPUs, and each reconcile probes the DPU cluster (its kubeconfig Secret read, its nodes listed):
 * requeued at every status write of every DPU in a rollout, that was 11 Secret GETs on the host
 * cluster and 11 node LISTs on the DPU cluster per DPU updated. Reachability is looked at every
 * minute anyway (manager.ts).
 */
import type { DpuClusterResource, DpuResource } from '../model/resources/common';

export function clusterKeysOfDpu(
  cluster: (namespace: string, name: string) => DpuClusterResource | undefined,
  defaultNamespace: string,
): (dpu: DpuResource) => string[] {
  return (d) => {
    const namespace = d.metadata?.namespace ?? defaultNamespace;
    const name = d.spec.cluster?.name;
    return name && cluster(namespace, name)?.metadata.deletionTimestamp ? [`${namespace}/${name}`] : [];
  };
}
