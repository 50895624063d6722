/** `reportDpuSet`: the set's rollout status, a condition and an event; a set already deleted is fine. */
import { setCondition } from '../../model/resources/conditions';
import { isNotFound, type Kube } from '../../platform/kube/client';
import type { DpuSetResource, KubeCondition, ObjectRef } from '../../model/resources/common';

export interface DpuSetReport {
  set: ObjectRef;
  status: {
    updated?: number;
    failed?: number;
    rolloutWorkflowId?: string;
    rolloutWorkflowUrl?: string;
    plannedBatches?: string[][];
  };
  condition?: Omit<KubeCondition, 'lastTransitionTime'>;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
  /** The rollout's share of DPUs done, for the xpuflow_rollout_progress_ratio gauge (set by platform/observability/activity-metrics.ts). */
  progress?: { rollout: string; ratio: number };
}

export function reportDpuSetActivity(kube: () => Kube) {
  return {
    async reportDpuSet(input: DpuSetReport): Promise<void> {
      const k = kube();
      try {
        let conditions: KubeCondition[] | undefined;
        if (input.condition) {
          const cur = await k.get<DpuSetResource>('DPUSet', input.set);
          if (!cur) return;
          conditions = setCondition(cur.status?.conditions, input.condition, new Date().toISOString());
        }
        await k.patchStatus('DPUSet', input.set, { ...input.status, ...(conditions ? { conditions } : {}) });
        if (input.event)
          await k.event(
            { kind: 'DPUSet', ref: input.set },
            input.event.type,
            input.event.reason,
            input.event.message,
          );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}
