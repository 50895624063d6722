/** `dpuServiceRelease`: the cleanup is done, so the DPUService's finalizer goes and the API server removes it. */
import { DPU_SERVICE_FINALIZER } from '../../../model/resources/dpu-service';
import type { ObjectRef } from '../../../model/resources/common';
import { releaseFinalizer } from '../../kube/cluster-clients';
import type { ServiceClusters } from './clusters';

export function releaseActivity({ host }: ServiceClusters) {
  return {
    async dpuServiceRelease(ref: ObjectRef): Promise<void> {
      await releaseFinalizer(host(), 'DPUService', ref, DPU_SERVICE_FINALIZER);
    },
  };
}
