/** `reportDpuDeployment`: a DPUDeployment's rollout condition and an Event; a deployment already deleted is fine. */
import { setCondition } from '../../model/resources/conditions';
import { isNotFound, type Kube } from '../../platform/kube/client';
import type { KubeCondition, ObjectRef } from '../../model/resources/common';
import type { DpuDeploymentResource } from '../../model/resources/dpu-deployment';

export interface DpuDeploymentReport {
  deployment: ObjectRef;
  condition: Omit<KubeCondition, 'lastTransitionTime'>;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

export function reportDpuDeploymentActivity(kube: () => Kube) {
  return {
    async reportDpuDeployment(input: DpuDeploymentReport): Promise<void> {
      const k = kube();
      try {
        const cur = await k.get<DpuDeploymentResource>('DPUDeployment', input.deployment);
        if (!cur) return;
        const conditions = setCondition(cur.status?.conditions, input.condition, new Date().toISOString());
        await k.patchStatus('DPUDeployment', input.deployment, { conditions });
        if (input.event)
          await k.event(
            { kind: 'DPUDeployment', ref: input.deployment },
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
