/** The DPU cluster a DPU joins, reached through its DPUCluster's kubeconfig Secret. */
import type { Kube } from '../../platform/kube/client';
import type { ObjectRef } from '../../model/resources/common';
import { dpuClusterClient } from './cluster-clients';

export interface DpuClusterInput {
  /** The DPUCluster object (in the DPU's namespace). */
  cluster: ObjectRef;
  /** The DPU's node name in the DPU cluster (the DPU object's name). */
  dpuNode: string;
}

/** A client of the DPU cluster a DPUCluster names. */
export type DpuClusterOf = (ref: ObjectRef) => Promise<Kube>;

/**
 * How long the DPU flows reuse a DPU cluster's client before reading its DPUCluster and kubeconfig
 * Secret again. A rollout's DPUs share one DPUCluster and call it about five times each (join token,
 * bf.cfg, old node out, node wait, labels): read on every call, that was 8 GETs per DPU on the host
 * cluster. A rotated kubeconfig is taken up within this time.
 */
export const DPU_CLUSTER_CLIENT_MAX_AGE_MS = 10_000;

export function dpuClusterOf(kube: () => Kube, maxAgeMs = DPU_CLUSTER_CLIENT_MAX_AGE_MS): DpuClusterOf {
  return async (ref) =>
    (
      await dpuClusterClient(kube(), ref, {
        fixMissing: "create it or fix the DPU's spec.cluster.name",
        maxAgeMs,
      })
    ).kube;
}
