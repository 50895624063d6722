/**
 * `awaitDpuSettled`: waits until a DPU's flow settles at a generation: Ready, or Error.
 *
 * A watch on the DPU delivers it at each change (first as it is when the watch starts), and each look
 * reads what it delivered last: no GET per change and per second, which were about 20 GETs per DPU in
 * a rollout. A GET still backs it: before the watch has delivered anything, while it cannot start, and
 * once every REFRESH_MS, so a watch that stalls without closing costs promptness, never the wait.
 */
import { log } from '@temporalio/activity';
import type { Kube } from '../../platform/kube/client';
import type { DpuResource, ObjectRef } from '../../model/resources/common';
import { waitUntil } from '../wait-until';
import { isDpuReady } from './dpuset-health';
import { objectTarget, watchObject } from './object-watch';

/** The longest a look trusts the watch alone before it reads the DPU with a GET. */
export const REFRESH_MS = 15_000;

/** The DPU as last delivered by a watch, and whether that is fresh enough to look at instead of a GET. */
export class WatchedObject<T> {
  private latest: { obj: T | undefined } | undefined;
  private failing = false;
  private lastGetAt = 0;

  constructor(
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A watch event: ADDED or MODIFIED carry the object, DELETED its end. */
  event(type: string, obj: T): void {
    this.failing = false;
    this.latest = { obj: type === 'DELETED' ? undefined : obj };
  }

  /** The watch could not start: looks GET until it delivers again. */
  watchFailing(): void {
    this.failing = true;
  }

  /** The object to look at: the watch's, or `get()`'s when the watch has none, fails, or is due a refresh. */
  async read(get: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.latest && !this.failing && this.now() - this.lastGetAt < this.refreshMs) return this.latest.obj;
    this.lastGetAt = this.now();
    const obj = await get();
    this.latest = { obj };
    return obj;
  }
}

export function awaitSettledActivity(kube: () => Kube) {
  return {
    /** Waits until the DPU's flow settles at `generation`: Ready, or Error. */
    async awaitDpuSettled(input: {
      dpu: ObjectRef;
      generation: number;
      timeoutSeconds: number;
    }): Promise<{ ready: boolean; message: string }> {
      const watched = new WatchedObject<DpuResource>(REFRESH_MS);
      return waitUntil<{ ready: boolean; message: string }>({
        what: `DPU ${input.dpu.name} to settle generation ${input.generation}`,
        timeoutSeconds: input.timeoutSeconds,
        // The rollout's slot is freed when this returns: a look at each change of the DPU, not only each second.
        wakeOn: (wake) =>
          watchObject(
            kube(),
            objectTarget('DPU', input.dpu),
            (type, obj) => {
              watched.event(type, obj as DpuResource);
              wake();
            },
            (message) => {
              watched.watchFailing();
              log.warn(message);
            },
          ),
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
