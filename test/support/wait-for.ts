/**
 * Polls `probe` until it gives a truthy value. A probe that throws counts as
 * "not yet" (its last error is kept). On timeout the error says what was
 * awaited, the last error, and what `explain` adds (object states, log tails).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs: number; everyMs?: number; explain?: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const more = opts.explain ? `\n${await opts.explain()}` : '';
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${more}`);
    }
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 250));
  }
}
