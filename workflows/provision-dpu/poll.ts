/** Durable polling: workflow timers with doubling intervals (skipped by the time-skipping test server). */
import { ApplicationFailure, sleep } from '@temporalio/workflow';

export interface PollOptions {
  initialSeconds: number;
  maxSeconds: number;
  timeoutSeconds: number;
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
    await sleep(Math.min(interval, opts.timeoutSeconds - elapsed / 1000) * 1000);
    interval = Math.min(interval * 2, opts.maxSeconds);
  }
}
