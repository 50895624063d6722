/** `readDpuSetHealth`: the set's DPUs, each Ready or not at its current generation, with its phase and template hash. */
import { conditionOf } from '../../model/resources/conditions';
import type { Kube } from '../../platform/kube/client';
import {
  DPUSET_LABEL,
  TEMPLATE_HASH_ANNOTATION,
  type DpuResource,
  type ObjectRef,
} from '../../model/resources/common';

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

export function readHealthActivity(kube: () => Kube) {
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
  };
}
