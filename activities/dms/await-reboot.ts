/**
 * `dmsAwaitReboot`: a wait on DMS's reboot status, as an activity retried on
 * a backoff: the "infrequently polling activity" of Temporal's polling
 * samples (temporalio/samples-python, polling/README.md, "Frequently Polling
 * Activity / Infrequently Polling Activity / Periodic Polling of a Sequence
 * of Activities"), with the delay to the next look set by the activity
 * (`nextRetryDelay`, docs.temporal.io/develop/typescript/activities/timeouts,
 * "Activity next Retry delay"), instead
 * of a workflow loop of activities and timers. Each attempt looks once
 * (System.RebootStatus, of the `CPU` subcomponent as NVIDIA DPF asks after an
 * activation); when the wait is not over it heartbeats what it saw and fails
 * with the retryable `DmsRebootUnderWay`, naming the delay to the next look
 * (nextRetryDelay). The retries leave no history events: however long the
 * flash, the wait costs one scheduled, one started and one completed event.
 *
 * The heartbeat details carry the wait's progress (what is awaited, what was
 * seen, looks so far, seconds since the first attempt was scheduled, percent
 * of the expected time), so the Temporal UI shows a pending activity with its
 * progress and `xpuflow dpu status` reads it. The attempt number counts the
 * looks, so a look on another worker after a kill goes on with the backoff
 * where it was. The wait's bound is the activity's schedule-to-close
 * timeout, kept by the server (the workflow names what timed out); a worker
 * killed mid-look is noticed by the start-to-close timeout of one look.
 */
import { ApplicationFailure } from '@temporalio/common';
import { activityContext } from './context';
import { DmsFailureType } from './failures';
import { rebootStatusActivity, type DmsRebootStatusInput, type DmsRebootStatusResult } from './reboot-status';
import type { DmsSession } from './session';

export interface DmsAwaitRebootInput extends DmsRebootStatusInput {
  /** Over when a reboot other than this one has ended (a changed count or start); absent: when none is under way. */
  newerThan?: Pick<DmsRebootStatusResult, 'count' | 'whenNs'>;
  /** What is awaited, in words: heartbeats, the retry's message and the UI show it. */
  what: string;
  /** How long the wait is expected to take, for the percent in the heartbeat details. */
  expectedSeconds?: number;
  /** When to look again: not before `quietSeconds` into the wait, then every `initialSeconds` doubling to `maxSeconds`. */
  looks: { quietSeconds?: number; initialSeconds: number; maxSeconds: number };
}

/** The heartbeat details of a wait in progress. */
export interface RebootWaitProgress {
  waitingFor: string;
  seen: string;
  looks: number;
  elapsedSeconds: number;
  percent?: number;
}

/** The first argument of a `DmsRebootUnderWay` failure's details. */
export type RebootUnderWayDetails = RebootWaitProgress & { nextLookSeconds: number };

function isOver(s: DmsRebootStatusResult, input: DmsAwaitRebootInput): boolean {
  if (s.active) return false;
  const b = input.newerThan;
  return !b || s.count !== b.count || s.whenNs !== b.whenNs;
}

function seenOf(s: DmsRebootStatusResult): string {
  if (s.active) {
    const left = s.waitNs ? `, back in ~${Math.round(Number(s.waitNs) / 1e9)} s` : '';
    return `reboot ${s.count} under way${s.reason ? ` (${s.reason})` : ''}${left}`;
  }
  return `reboot ${s.count} ended ${s.status ?? 'without a status'}`;
}

/** Seconds to the next look after look number `looks` (1-based), `elapsed` seconds into the wait. */
export function nextLookSeconds(looks: number, elapsed: number, l: DmsAwaitRebootInput['looks']): number {
  const quietLeft = (l.quietSeconds ?? 0) - elapsed;
  if (quietLeft > 0) return Math.max(quietLeft, l.initialSeconds);
  const afterQuiet = l.quietSeconds ? looks - 1 : looks;
  return Math.min(l.initialSeconds * 2 ** Math.max(0, afterQuiet - 1), l.maxSeconds);
}

export function awaitRebootActivity(session: DmsSession) {
  const { dmsRebootStatus } = rebootStatusActivity(session);
  return {
    /** Returns the reboot status once the awaited reboot is over; fails retryably (the wait) until then. */
    async dmsAwaitReboot(input: DmsAwaitRebootInput): Promise<DmsRebootStatusResult> {
      const s = await dmsRebootStatus({
        dpu: input.dpu,
        address: input.address,
        ...(input.subcomponent ? { subcomponent: input.subcomponent } : {}),
      });
      if (isOver(s, input)) return s;
      const ctx = activityContext();
      const info = ctx?.info;
      // The attempt number is the server's count of looks, so a look on another worker (this one killed) goes on from it.
      const looks = info?.attempt ?? 1;
      // Both timestamps are the server's, so the elapsed time is right on a time-skipping test server too.
      const elapsedSeconds = info
        ? (info.currentAttemptScheduledTimestampMs - info.scheduledTimestampMs) / 1000
        : 0;
      const progress: RebootWaitProgress = { waitingFor: input.what, seen: seenOf(s), looks, elapsedSeconds };
      if (input.expectedSeconds) {
        progress.percent = Math.min(99, Math.floor((elapsedSeconds / input.expectedSeconds) * 100));
      }
      ctx?.heartbeat(progress);
      const next = nextLookSeconds(looks, elapsedSeconds, input.looks);
      const details: RebootUnderWayDetails = { ...progress, nextLookSeconds: next };
      throw ApplicationFailure.create({
        message: `${input.what}: ${progress.seen} after ${Math.round(elapsedSeconds)} s; looking again in ${next} s`,
        type: DmsFailureType.RebootUnderWay,
        details: [details],
        nextRetryDelay: `${next} seconds`,
      });
    },
  };
}
