/**
 * What a DPUSet rollout reads and writes: the set's DPUs and their health,
 * one DPU's spec moved to the new template, and the set's rollout status.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { conditionOf, setCondition } from '../../model/resources/conditions';
import { isNotFound, type Kube } from '../../platform/kube/client';
import {
  DPUSET_LABEL,
  TEMPLATE_HASH_ANNOTATION,
  type DpuResource,
  type DpuSetResource,
  type DpuTemplateSpec,
  type KubeCondition,
  type ObjectRef,
} from '../../model/resources/common';
import { waitUntil } from '../wait-until';

export interface DpuHealth {
  name: string;
  /** Ready at its current generation. */
  ready: boolean;
  phase: string;
  templateHash?: string;
}

export function isDpuReady(d: DpuResource): boolean {
  const ready = conditionOf(d.status?.conditions, 'Ready');
  return ready?.status === 'True' && (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

export function dpusetActivities(kube: () => Kube) {
  return {
    async readDpuSetHealth(set: ObjectRef): Promise<DpuHealth[]> {
      const dpus = await kube().list<DpuResource>('DPU', set.namespace, `${DPUSET_LABEL}=${set.name}`);
      return dpus.map((d) => ({
        name: d.metadata.name,
        ready: isDpuReady(d),
        phase: d.status?.phase ?? 'Unknown',
        ...(d.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION]
          ? { templateHash: d.metadata.annotations[TEMPLATE_HASH_ANNOTATION] }
          : {}),
      }));
    },

    /** Gives one DPU the set's new template; returns the generation to wait for. */
    async updateDpuToTemplate(input: {
      dpu: ObjectRef;
      spec: DpuTemplateSpec;
      templateHash: string;
    }): Promise<number> {
      const k = kube();
      const dpu = await k.get<DpuResource>('DPU', input.dpu);
      if (!dpu)
        throw ApplicationFailure.nonRetryable(
          `DPU ${input.dpu.namespace}/${input.dpu.name} is gone`,
          'DpuGone',
        );
      if (dpu.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] === input.templateHash)
        return dpu.metadata.generation ?? 1;
      const updated = await k.patch<DpuResource>('DPU', input.dpu, {
        metadata: { annotations: { [TEMPLATE_HASH_ANNOTATION]: input.templateHash } },
        spec: {
          bfb: input.spec.bfb,
          flavor: input.spec.flavor ?? null,
          numVfs: input.spec.numVfs ?? null,
          automaticReboot: input.spec.automaticReboot ?? true,
          nodeEffect: input.spec.nodeEffect ?? null,
          cluster: input.spec.cluster ?? null,
        },
      });
      return updated.metadata.generation ?? 1;
    },

    /** Waits until the DPU's flow settles at `generation`: Ready, or Error. */
    async awaitDpuSettled(input: {
      dpu: ObjectRef;
      generation: number;
      timeoutSeconds: number;
    }): Promise<{ ready: boolean; message: string }> {
      return waitUntil<{ ready: boolean; message: string }>({
        what: `DPU ${input.dpu.name} to settle generation ${input.generation}`,
        timeoutSeconds: input.timeoutSeconds,
        look: async () => {
          const d = await kube().get<DpuResource>('DPU', input.dpu);
          if (!d)
            return {
              done: { ready: false, message: `DPU ${input.dpu.name} was deleted during the rollout` },
            };
          const observed = d.status?.observedGeneration ?? 0;
          if (observed >= input.generation) {
            if (isDpuReady(d)) return { done: { ready: true, message: d.status?.message ?? 'Ready' } };
            if (d.status?.phase === 'Error')
              return { done: { ready: false, message: d.status?.message ?? 'Error' } };
          }
          return {
            seen: `phase ${d.status?.phase ?? 'unknown'}`,
            details: { dpu: input.dpu.name, phase: d.status?.phase, observed },
          };
        },
        onTimeout: (seen) => ({
          ready: false,
          message: `DPU ${input.dpu.name} not Ready ${input.timeoutSeconds} s after its update (${seen})`,
        }),
      });
    },

    async reportDpuSet(input: {
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
    }): Promise<void> {
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
