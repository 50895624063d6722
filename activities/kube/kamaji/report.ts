/** `reportDpuCluster` (phase and a condition, an Event when it is False) and `releaseDpuClusterFinalizer`. */
import { setCondition } from '../../../model/resources/conditions';
import type { DpuClusterResource, ObjectRef } from '../../../model/resources/common';
import { DPU_CLUSTER_FINALIZER } from '../../../model/dpu-cluster';
import type { Kube } from '../../../platform/kube/client';
import { releaseFinalizer } from '../cluster-clients';

export interface DpuClusterReport {
  cluster: ObjectRef;
  generation?: number;
  workflowId: string;
  phase: 'Pending' | 'Creating' | 'Ready' | 'Error' | 'Deleting';
  /** The ControlPlaneReady condition. */
  condition: { status: 'True' | 'False'; reason: string; message: string };
}

export function reportActivity(host: () => Kube) {
  return {
    async reportDpuCluster(r: DpuClusterReport): Promise<void> {
      const h = host();
      const cur = await h.get<DpuClusterResource>('DPUCluster', r.cluster);
      if (!cur || (r.cluster.uid && cur.metadata.uid !== r.cluster.uid)) return;
      const generation = r.generation !== undefined ? { observedGeneration: r.generation } : {};
      await h.patchStatus('DPUCluster', r.cluster, {
        phase: r.phase,
        workflowId: r.workflowId,
        conditions: setCondition(
          cur.status?.conditions,
          { type: 'ControlPlaneReady', ...r.condition, ...generation },
          new Date().toISOString(),
        ),
      });
      const said = cur.status?.conditions?.find((c) => c.type === 'ControlPlaneReady')?.message;
      if (r.condition.status === 'False' && said !== r.condition.message)
        await h.event(
          { kind: 'DPUCluster', ref: r.cluster },
          'Warning',
          r.condition.reason,
          r.condition.message,
        );
    },

    async releaseDpuClusterFinalizer(ref: ObjectRef): Promise<void> {
      await releaseFinalizer(host(), 'DPUCluster', ref, DPU_CLUSTER_FINALIZER);
    },
  };
}
