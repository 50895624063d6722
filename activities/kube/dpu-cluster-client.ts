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

export function dpuClusterOf(kube: () => Kube): DpuClusterOf {
  return async (ref) =>
    (await dpuClusterClient(kube(), ref, { fixMissing: "create it or fix the DPU's spec.cluster.name" }))
      .kube;
}
