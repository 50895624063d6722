/** `xpuflow setup`'s option values, refused with the value named before anything connects. */
import { InvalidArgumentError } from 'commander';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';

/** `7d`, `72h`, `30 days` → milliseconds; anything else, or 0 and below, is refused. */
export function parseRetention(v: string): number {
  let ms: number;
  try {
    ms = msToNumber(v as Duration);
  } catch (err) {
    // msToNumber's one failure: a string `ms` cannot read ("Invalid duration string").
    throw new InvalidArgumentError(
      `${JSON.stringify(v)} is not a duration (${(err as Error).message}): give e.g. 7d, 72h or 30d`,
    );
  }
  if (!(ms > 0)) throw new InvalidArgumentError(`${JSON.stringify(v)} must be longer than 0: give e.g. 7d`);
  return ms;
}

/** Seconds above 0 → milliseconds. */
export function parseWait(v: string): number {
  const s = Number(v);
  if (!Number.isFinite(s) || s <= 0)
    throw new InvalidArgumentError(`${JSON.stringify(v)} is not a number of seconds above 0`);
  return s * 1000;
}
