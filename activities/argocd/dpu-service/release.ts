/** `dpuServiceRelease`: the cleanup is done, so the DPUService's finalizer goes and the API server removes it. */
import { isNotFound } from '../../../platform/kube/client';
import { DPU_SERVICE_FINALIZER, type DpuServiceResource } from '../../../model/resources/dpu-service';
import type { ObjectRef } from '../../../model/resources/common';
import type { ServiceClusters } from './clusters';

export function releaseActivity({ host }: ServiceClusters) {
  return {
    async dpuServiceRelease(ref: ObjectRef): Promise<void> {
      const k = host();
      const svc = await k.get<DpuServiceResource>('DPUService', ref);
      if (!svc || (ref.uid && svc.metadata.uid !== ref.uid)) return;
      const finalizers = svc.metadata.finalizers ?? [];
      const i = finalizers.indexOf(DPU_SERVICE_FINALIZER);
      if (i < 0) return;
      try {
        await k.jsonPatch('DPUService', ref, [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: DPU_SERVICE_FINALIZER },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}
