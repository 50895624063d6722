/**
 * `awaitDpuSettled`: waits until a DPU's flow settles at a generation: Ready, or Error.
 *
 * A watch on the DPU delivers it at each change (first as it is when the watch starts), and each look
 * reads what it delivered last (WatchedObject): no GET per change and per second, which were about 20
 * GETs per DPU in a rollout.
 */
import { log } from '@temporalio/activity';
import type { Kube } from '../../platform/kube/client';
import type { DpuResource, ObjectRef } from '../../model/resources/common';
import { waitUntil } from '../wait-until';
import { isDpuReady } from './dpuset-health';
import { objectTarget, watchedWake, WatchedObject } from './object-watch';

export function awaitSettledActivity(kube: () => Kube) {
  return {
    /** Waits until the DPU's flow settles at `generation`: Ready, or Error. */
    async awaitDpuSettled(input: {
      dpu: ObjectRef;
      generation: number;
      timeoutSeconds: number;
    }): Promise<{ ready: boolean; message: string }> {
      const watched = new WatchedObject<DpuResource>();
      return waitUntil<{ ready: boolean; message: string }>({
        what: `DPU ${input.dpu.name} to settle generation ${input.generation}`,
        timeoutSeconds: input.timeoutSeconds,
        // The rollout's slot is freed when this returns: a look at each change of the DPU, not only each second.
        wakeOn: watchedWake(kube(), objectTarget('DPU', input.dpu), watched, (message) => log.warn(message)),
        look: async () => {
          const d = await watched.read(() => kube().get<DpuResource>('DPU', input.dpu));
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
  };
}
