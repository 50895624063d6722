/**
 * The wait every long activity shares (DMS pod Ready, DPU node Ready, a
 * DPUSet's DPU settled, a drain, Argo CD health): look, heartbeat what was
 * seen, sleep, until the look says done or the time is up. On timeout the
 * failure names what was waited for, for how long and what was seen last,
 * unless the caller turns the timeout into a result of its own.
 *
 * Heartbeats keep the activity alive (a dead worker is noticed within the
 * heartbeat timeout) and carry the last look to `xpuflow dpu status --json`
 * and the Temporal UI.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';

/** One look: done (with the value to return), or not yet (with what was seen, in words). */
export type Look<T> = { done: T } | { seen: string; details?: Record<string, unknown> };

export interface WaitUntilOptions<T> {
  /** What is awaited, as a phrase: "DMS pod default/dms-dpu-1 on node host-1 to be Ready". */
  what: string;
  timeoutSeconds: number;
  /** Between looks (default 1 s). */
  pollSeconds?: number;
  /**
   * Looks again at once when what is awaited changes: given the wake, returns
   * the stop (e.g. a watch on the object, object-watch.ts). The polls go on.
   */
  wakeOn?: (wake: () => void) => () => void;
  look: () => Promise<Look<T>>;
  /**
   * At the timeout, with the last thing seen: return a result instead of
   * failing, or throw a failure of your own. By default a non-retryable
   * `WaitTimedOut` failure whose message names `what`, the time and what was seen.
   */
  onTimeout?: (seen: string) => T;
  /** Added to the default failure message: what to check, e.g. "check the kubelet on host-1". */
  hint?: string;
  /** The default failure's type (default 'WaitTimedOut'), e.g. 'DmsPodNotReady'. */
  failureType?: string;
}

export async function waitUntil<T>(opts: WaitUntilOptions<T>): Promise<T> {
  let wake: (() => void) | undefined;
  let changedMeanwhile = false; // a change during a look: the next sleep is skipped, so it is not missed
  const stopWaking = opts.wakeOn?.(() => {
    if (wake) wake();
    else changedMeanwhile = true;
  });
  const sleep = (ms: number): Promise<void> => {
    if (changedMeanwhile) {
      changedMeanwhile = false;
      return Promise.resolve();
    }
    return new Promise<void>((r) => {
      const done = () => {
        wake = undefined;
        clearTimeout(timer);
        r();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });
  };
  try {
    return await waitLooking(opts, sleep);
  } finally {
    stopWaking?.();
  }
}

async function waitLooking<T>(opts: WaitUntilOptions<T>, sleep: (ms: number) => Promise<void>): Promise<T> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  for (;;) {
    const look = await opts.look();
    if ('done' in look) return look.done;
    Context.current().heartbeat({ waitingFor: opts.what, seen: look.seen, ...look.details });
    if (Date.now() > deadline) {
      if (opts.onTimeout) return opts.onTimeout(look.seen);
      throw ApplicationFailure.nonRetryable(
        timeoutMessage(opts, look.seen),
        opts.failureType ?? 'WaitTimedOut',
      );
    }
    await sleep((opts.pollSeconds ?? 1) * 1000);
  }
}

export function timeoutMessage(
  opts: Pick<WaitUntilOptions<unknown>, 'what' | 'timeoutSeconds' | 'hint'>,
  seen: string,
): string {
  return `waited ${opts.timeoutSeconds} s for ${opts.what}; last seen: ${seen}${opts.hint ? `; ${opts.hint}` : ''}`;
}
