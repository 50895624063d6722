/** `dpuServiceReport`: the DPUService's status (conditions merged) and an Event; a DPUService already gone is fine. */
import { setCondition } from '../../../model/resources/conditions';
import { isNotFound } from '../../../platform/kube/client';
import type { DpuServiceResource, DpuServiceStatus } from '../../../model/resources/dpu-service';
import type { KubeCondition, ObjectRef } from '../../../model/resources/common';
import type { ServiceClusters } from './clusters';

export interface ServiceReport {
  ref: ObjectRef;
  status: DpuServiceStatus;
  conditions?: Array<Omit<KubeCondition, 'lastTransitionTime'>>;
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
}

export function reportActivity({ host }: ServiceClusters) {
  return {
    async dpuServiceReport(r: ServiceReport): Promise<void> {
      const k = host();
      try {
        const svc = await k.get<DpuServiceResource>('DPUService', r.ref);
        if (!svc || (r.ref.uid && svc.metadata.uid !== r.ref.uid)) return;
        const now = new Date().toISOString();
        let conditions = svc.status?.conditions;
        for (const c of r.conditions ?? []) conditions = setCondition(conditions, c, now);
        await k.patchStatus('DPUService', r.ref, { ...r.status, ...(conditions ? { conditions } : {}) });
        if (r.event)
          await k.event({ kind: 'DPUService', ref: r.ref }, r.event.type, r.event.reason, r.event.message);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}
