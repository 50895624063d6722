/** Durable polling: workflow timers with doubling intervals (skipped by the time-skipping test server). */
import { ApplicationFailure, sleep } from '@temporalio/workflow';

export interface PollOptions {
  initialSeconds: number;
  maxSeconds: number;
  timeoutSeconds: number;
  /**
   * Nothing is expected before this long (e.g. most of a flash's known
   * duration): after the first check, wait this long before polling on. It
   * keeps a fleet's polls, and the worker load they make, to the end of the wait.
   */
  quietSeconds?: number;
  /** Error message when the time runs out. */
  timeoutMessage: string;
}

/**
 * Calls `check` until it returns a value other than undefined, sleeping between
 * calls. `onWait(elapsedMs)` lets the caller update progress.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  opts: PollOptions,
  onWait?: (elapsedMs: number) => void,
): Promise<T> {
  const started = Date.now();
  let interval = opts.initialSeconds;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    const elapsed = Date.now() - started;
    if (elapsed >= opts.timeoutSeconds * 1000)
      throw ApplicationFailure.create({ message: opts.timeoutMessage, type: 'PollTimeout' });
    onWait?.(elapsed);
    const quietLeft = (opts.quietSeconds ?? 0) - elapsed / 1000;
    const wait = quietLeft > 0 ? quietLeft : interval;
    await sleep(Math.min(wait, opts.timeoutSeconds - elapsed / 1000) * 1000);
    if (quietLeft <= 0) interval = Math.min(interval * 2, opts.maxSeconds);
  }
}
