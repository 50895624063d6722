/** `updateDpuToTemplate`: gives one DPU the set's new template; a no-op when it already has it. */
import type { Kube } from '../../platform/kube/client';
import {
  TEMPLATE_HASH_ANNOTATION,
  type DpuResource,
  type DpuTemplateSpec,
  type ObjectRef,
} from '../../model/resources/common';
import { dpuGone } from './failures';

export function updateToTemplateActivity(kube: () => Kube) {
  return {
    /** Gives one DPU the set's new template; returns the generation to wait for. */
    async updateDpuToTemplate(input: {
      dpu: ObjectRef;
      spec: DpuTemplateSpec;
      templateHash: string;
    }): Promise<number> {
      const k = kube();
      const dpu = await k.get<DpuResource>('DPU', input.dpu);
      if (!dpu) throw dpuGone(input.dpu);
      if (dpu.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] === input.templateHash)
        return dpu.metadata.generation ?? 1;
      // installPath and bmc are each DPU's own, set when its set made it: never written from the template,
      // so a set's `auto` never reaches a DPU. Done is the hash annotation, not a comparison of specs.
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
  };
}
