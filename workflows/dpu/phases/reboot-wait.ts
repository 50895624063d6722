/**
 * A wait on DMS's reboot status as one activity (`dmsAwaitReboot`, retried
 * on a backoff: activities/dms/await-reboot.ts), for runs on the
 * shorter-history path (fewer-events.ts). The history holds one scheduled,
 * started and completed event however long the wait; no timers. When the
 * server's schedule-to-close bound ends the wait, the failure says what was
 * awaited and what to do, as the workflow loop's did.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { DmsAwaitRebootInput, DmsRebootStatusResult } from '../../../activities/dms';
import type { FlowContext } from '../context';
import { dmsRebootWaits } from '../proxies';

export interface RebootWait {
  /** Over when a reboot other than this one has ended; absent: when none is under way. */
  newerThan?: DmsRebootStatusResult;
  /** Ask about the CPU (DPF's way after an activation); absent: the whole target. */
  subcomponent?: 'CPU';
  what: string;
  timeoutSeconds: number;
  /** Nothing is expected before this long (most of a flash): the first look after it. */
  quietSeconds?: number;
  expectedSeconds?: number;
  /** The failure's message when the time is up. */
  timeoutMessage: string;
}

export async function awaitReboot(ctx: FlowContext, w: RebootWait): Promise<DmsRebootStatusResult> {
  const { spec, timing } = ctx;
  const looks = { initialSeconds: timing.pollInitialSeconds, maxSeconds: timing.pollMaxSeconds };
  const input: DmsAwaitRebootInput = {
    dpu: spec.name,
    address: spec.dmsAddress,
    ...(w.subcomponent ? { subcomponent: w.subcomponent } : {}),
    what: w.what,
    looks: w.quietSeconds ? { ...looks, quietSeconds: w.quietSeconds } : looks,
    ...(w.newerThan ? { newerThan: { count: w.newerThan.count, whenNs: w.newerThan.whenNs } } : {}),
    ...(w.expectedSeconds ? { expectedSeconds: w.expectedSeconds } : {}),
  };
  try {
    return await dmsRebootWaits(w.timeoutSeconds, looks).dmsAwaitReboot.executeWithOptions(
      { summary: w.what },
      [input],
    );
  } catch (err) {
    if (
      err instanceof ActivityFailure &&
      (err.retryState === 'TIMEOUT' || err.cause instanceof TimeoutFailure)
    ) {
      const last = err.cause instanceof ApplicationFailure ? `; last seen: ${err.cause.message}` : '';
      throw ApplicationFailure.create({ message: `${w.timeoutMessage}${last}`, type: 'PollTimeout' });
    }
    throw err;
  }
}
