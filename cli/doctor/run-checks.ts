/**
 * Runs the checks in order, each bounded by the context's timeout: a check
 * still running at its deadline is reported as failed (its signal is aborted
 * so it stops what it can) and the next one starts. A check whose prerequisite
 * did not pass is skipped and names the check that failed (the first in the
 * chain: a check skipped for a skipped one names what failed).
 */
import { Problem, type Check, type CheckResult, type DoctorContext } from './check';

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export async function runChecks(checks: Check[], ctx: DoctorContext): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  /** Check name → the failed check that stopped it (itself when it failed). */
  const failedFirst = new Map<string, string>();
  for (const check of checks) {
    const blocker = check.needs.map((n) => failedFirst.get(n)).find((f) => f !== undefined);
    if (blocker) {
      failedFirst.set(check.name, blocker);
      results.push({
        check: check.name,
        status: 'skip',
        message: `skipped because ${blocker} failed`,
        ms: 0,
      });
      continue;
    }
    const result = await runOne(check, ctx);
    if (result.status === 'fail') failedFirst.set(check.name, check.name);
    results.push(result);
  }
  return { ok: results.every((r) => r.status === 'pass'), checks: results };
}

async function runOne(check: Check, ctx: DoctorContext): Promise<CheckResult> {
  const started = Date.now();
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ctx.timeoutMs);
  });
  const ran = check.run(ctx, abort.signal);
  try {
    const outcome = await Promise.race([ran, timedOut]);
    if (outcome === 'timeout') {
      abort.abort();
      ran.catch(() => undefined); // finished or failed after its deadline: already reported as a timeout
      return {
        check: check.name,
        status: 'fail',
        message: `did not finish in ${ctx.timeoutMs / 1000} s`,
        fix: check.timeoutFix,
        ms: Date.now() - started,
      };
    }
    return { check: check.name, status: 'pass', message: outcome, ms: Date.now() - started };
  } catch (err) {
    const ms = Date.now() - started;
    if (err instanceof Problem)
      return { check: check.name, status: 'fail', message: err.message, fix: err.fix, ms };
    // Not a finding of the check: an error it did not foresee, reported as it came.
    return {
      check: check.name,
      status: 'fail',
      message: `${(err as Error).message ?? String(err)}`,
      fix: 'see the message; run again with the same settings once it is fixed',
      ms,
    };
  } finally {
    clearTimeout(timer);
  }
}
