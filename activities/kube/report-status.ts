/**
 * Status write-back: what the workflow knows about a DPU becomes the DPU
 * object's status (phase, conditions, observedGeneration, workflow ID and UI
 * link), and each phase change or error becomes a Kubernetes Event.
 */
import { setCondition } from '../../model/resources/conditions';
import { isNotFound, type Kube } from '../../platform/kube/client';
import {
  DPU_FINALIZER,
  type DpuResource,
  type KubeCondition,
  type ObjectRef,
} from '../../model/resources/common';
import type { Condition } from '../../model/dpu';

export interface DpuReport {
  ref: ObjectRef;
  generation: number;
  phase: string;
  message: string;
  conditions: Condition[];
  workflowId: string;
  workflowUrl?: string;
  ready: boolean;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

export function reportActivities(kube: () => Kube) {
  return {
    /** Writes the DPU's status; a DPU already gone is not an error (its delete flow is running). */
    async kubeReportDpu(r: DpuReport): Promise<void> {
      const now = new Date().toISOString();
      let conditions: KubeCondition[] = r.conditions.map((c) => ({ ...c, observedGeneration: r.generation }));
      conditions = setCondition(
        conditions,
        {
          type: 'Ready',
          status: r.ready ? 'True' : 'False',
          reason: r.ready ? 'Provisioned' : r.phase.replace(/[^A-Za-z]/g, '') || 'Provisioning',
          message: r.message,
          observedGeneration: r.generation,
        },
        now,
      );
      try {
        await kube().patchStatus<DpuResource>('DPU', r.ref, {
          phase: r.phase,
          message: r.message,
          observedGeneration: r.generation,
          ...(r.workflowId ? { workflowId: r.workflowId } : {}),
          ...(r.workflowUrl ? { workflowUrl: r.workflowUrl } : {}),
          conditions,
        });
        if (r.event)
          await kube().event({ kind: 'DPU', ref: r.ref }, r.event.type, r.event.reason, r.event.message);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },

    /** The delete flow is done: let the API server remove the DPU object. */
    async kubeReleaseDpu(ref: ObjectRef): Promise<void> {
      const k = kube();
      const dpu = await k.get<DpuResource>('DPU', ref);
      if (!dpu) return;
      const finalizers = dpu.metadata.finalizers ?? [];
      const i = finalizers.indexOf(DPU_FINALIZER);
      if (i < 0) return;
      try {
        await k.jsonPatch('DPU', ref, [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: DPU_FINALIZER },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}
