/**
 * Where a provisioning run's wall time goes, read from its workflow history:
 * each instant from the bench's start call to the run's last event is put in
 * one bucket, by what the run was waiting for then (first match wins):
 *
 *   start call        the bench had called start and the server had not yet
 *                     written WorkflowExecutionStarted
 *   workflow task run a workflow task was on a worker (Started → Completed)
 *   workflow task queue  a workflow task was scheduled and no worker had taken it
 *   activity <type>   an activity was running on a worker (its last attempt's
 *                     Started → Completed)
 *   retry backoff <type>  an activity was between attempts (scheduled, and its
 *                     last attempt, attempt > 1, had not started yet)
 *   activity queue <queue>  an activity was scheduled and no worker had taken it
 *   timer             a durable timer was running
 *   other             none of these: a signal or update awaited, or the retry of a
 *                     workflow task that failed or timed out (kept out of history
 *                     until it completes; the report counts those tasks)
 *
 * Local activities run inside a workflow task and are counted in its run.
 * The history's event times are the server's; the bench's start call time is
 * its own clock, on the same machine.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { eventMs } from './history-cost';
import { percentile } from './measure';

const T = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RunTimeline {
  workflowId: string;
  /** When the bench called start (epoch ms). */
  calledMs: number;
  /** WorkflowExecutionStarted. */
  startedMs: number;
  /** The first workflow task taken by a worker. */
  firstTaskMs: number;
  /** The first activity taken by a worker (NaN when none ran). */
  firstActivityMs: number;
  /** The run's last event. */
  endMs: number;
  /** Milliseconds per bucket (see the header); they sum to endMs − calledMs. */
  buckets: Map<string, number>;
  /** Activities that needed more than one attempt: `<type>: <last attempt's failure>`, with the attempt. */
  retried: Array<{ what: string; attempt: number }>;
}

function id(x: unknown): string {
  return String(x ?? '');
}

/** One run's timeline from its history and the time the bench called start. */
export function timelineOf(workflowId: string, calledMs: number, events: HistoryEvent[]): RunTimeline {
  const sorted = events.map((e, i) => ({ e, t: eventMs(e), i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const activityType = new Map<string, string>();
  const activityQueue = new Map<string, string>();
  const wftQueued = new Set<string>();
  const wftRunning = new Set<string>();
  const actQueued = new Set<string>(); // scheduled ids, not started
  const actRunning = new Map<string, string>(); // scheduled id → type
  const actAttempt = new Map<string, number>();
  const timers = new Set<string>();
  // Retries keep their Started event until the attempt that ends: its attempt number tells a backoff.
  const retried: RunTimeline['retried'] = [];
  for (const e of events) {
    if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      activityType.set(id(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
    }
    if (e.eventType === T.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      actAttempt.set(id(a.scheduledEventId), a.attempt ?? 1);
      if ((a.attempt ?? 1) > 1) {
        const f = a.lastFailure;
        const why = f?.timeoutFailureInfo
          ? `timeout ${temporal.api.enums.v1.TimeoutType[f.timeoutFailureInfo.timeoutType ?? 0]}`
          : (f?.applicationFailureInfo?.type ?? f?.message ?? '?');
        retried.push({
          what: `${activityType.get(id(a.scheduledEventId))}: ${why}`,
          attempt: a.attempt ?? 1,
        });
      }
    }
  }
  const buckets = new Map<string, number>();
  const add = (k: string, d: number) => d > 0 && buckets.set(k, (buckets.get(k) ?? 0) + d);
  const started = sorted[0]?.t ?? calledMs;
  add('start call', started - calledMs);
  let firstTaskMs = NaN;
  let firstActivityMs = NaN;
  const bucketNow = (): string => {
    if (wftRunning.size) return 'workflow task run';
    if (wftQueued.size) return 'workflow task queue';
    if (actRunning.size) return `activity ${[...actRunning.values()].sort().join('+')}`;
    for (const s of actQueued) {
      if ((actAttempt.get(s) ?? 1) > 1) return `retry backoff ${activityType.get(s)}`;
    }
    if (actQueued.size) return `activity queue ${activityQueue.get([...actQueued][0])}`;
    if (timers.size) return 'timer';
    return 'other';
  };
  for (let k = 0; k < sorted.length; k++) {
    const { e, i } = sorted[k];
    const eid = id(e.eventId ?? i + 1);
    switch (e.eventType) {
      case T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wftQueued.add(eid);
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const s = id(e.workflowTaskStartedEventAttributes?.scheduledEventId);
        wftQueued.delete(s);
        wftRunning.add(s);
        if (Number.isNaN(firstTaskMs)) firstTaskMs = sorted[k].t;
        break;
      }
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      case T.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: {
        // A failed or timed-out task's retry stays out of history until it completes: its wait is 'other'.
        if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
          const kind =
            temporal.api.enums.v1.TimeoutType[e.workflowTaskTimedOutEventAttributes?.timeoutType ?? 0];
          retried.push({ what: `workflow task: timeout ${kind}`, attempt: 2 });
        } else if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
          const cause =
            temporal.api.enums.v1.WorkflowTaskFailedCause[e.workflowTaskFailedEventAttributes?.cause ?? 0];
          retried.push({ what: `workflow task: failed ${cause}`, attempt: 2 });
        }
        const a =
          e.workflowTaskCompletedEventAttributes ??
          e.workflowTaskFailedEventAttributes ??
          e.workflowTaskTimedOutEventAttributes;
        const s = id(a?.scheduledEventId);
        wftRunning.delete(s);
        wftQueued.delete(s);
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = e.activityTaskScheduledEventAttributes!;
        activityType.set(eid, a.activityType?.name ?? '?');
        activityQueue.set(eid, /^xpuflow-host-/.test(a.taskQueue?.name ?? '') ? 'host' : 'control');
        actQueued.add(eid);
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const s = id(e.activityTaskStartedEventAttributes?.scheduledEventId);
        actQueued.delete(s);
        actRunning.set(s, activityType.get(s) ?? '?');
        if (Number.isNaN(firstActivityMs)) firstActivityMs = sorted[k].t;
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case T.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case T.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const a =
          e.activityTaskCompletedEventAttributes ??
          e.activityTaskFailedEventAttributes ??
          e.activityTaskTimedOutEventAttributes ??
          e.activityTaskCanceledEventAttributes;
        const s = id(a?.scheduledEventId);
        actRunning.delete(s);
        actQueued.delete(s);
        break;
      }
      case T.EVENT_TYPE_TIMER_STARTED:
        timers.add(id(e.timerStartedEventAttributes?.timerId));
        break;
      case T.EVENT_TYPE_TIMER_FIRED:
        timers.delete(id(e.timerFiredEventAttributes?.timerId));
        break;
      case T.EVENT_TYPE_TIMER_CANCELED:
        timers.delete(id(e.timerCanceledEventAttributes?.timerId));
        break;
      default:
        break;
    }
    const next = sorted[k + 1];
    if (next) add(bucketNow(), next.t - sorted[k].t);
  }
  return {
    workflowId,
    calledMs,
    startedMs: started,
    firstTaskMs,
    firstActivityMs,
    endMs: sorted[sorted.length - 1]?.t ?? started,
    buckets,
    retried,
  };
}

/** The timelines of the runs with these workflow ids (their latest runs), with when the bench called each start. */
export async function timelinesOf(client: Client, called: Map<string, number>): Promise<RunTimeline[]> {
  const ids = [...called.keys()];
  const out: RunTimeline[] = [];
  // A few at a time: fetching 200 histories at once would load the server being measured less evenly.
  for (let k = 0; k < ids.length; k += 8) {
    const batch = ids.slice(k, k + 8);
    const histories = await Promise.all(
      batch.map(async (wid) => (await client.workflow.getHandle(wid).fetchHistory()).events ?? []),
    );
    batch.forEach((wid, j) => out.push(timelineOf(wid, called.get(wid)!, histories[j])));
  }
  return out;
}

function secs(x: number): string {
  return Number.isFinite(x) ? (x / 1000).toFixed(1).padStart(6) : '     -';
}

function stats(values: number[]): string {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return '     -      -      -      -';
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return `${secs(mean)} ${secs(percentile(v, 50))} ${secs(percentile(v, 90))} ${secs(v[v.length - 1])}`;
}

/**
 * The report: the start-delay distribution over the fleet (from `t0`, when
 * the bench began starting runs), then each bucket's seconds per run (mean,
 * p50, p90, max over the fleet) beside the run alone and the run that ended
 * last.
 */
export function timelineReport(fleet: RunTimeline[], t0: number, alone?: RunTimeline): string[] {
  const lines: string[] = [];
  const last = fleet.reduce((a, b) => (b.endMs > a.endMs ? b : a));
  lines.push('start delays over the fleet, s from the first start call (mean / p50 / p90 / max):');
  const rows: Array<[string, (r: RunTimeline) => number]> = [
    ['bench called start', (r) => r.calledMs - t0],
    ['WorkflowExecutionStarted', (r) => r.startedMs - t0],
    ['first workflow task taken', (r) => r.firstTaskMs - t0],
    ['first activity taken', (r) => r.firstActivityMs - t0],
    ['last event (the run ended)', (r) => r.endMs - t0],
    ['run: first call → last event', (r) => r.endMs - r.calledMs],
  ];
  for (const [name, f] of rows) lines.push(`  ${name.padEnd(30)} ${stats(fleet.map(f))}`);
  const hist = histogram(fleet.map((r) => (r.firstActivityMs - t0) / 1000));
  lines.push('  first activity taken, s after the first start call: ' + hist);
  const names = new Set<string>();
  for (const r of [...fleet, ...(alone ? [alone] : [])]) for (const k of r.buckets.keys()) names.add(k);
  const total = (r: RunTimeline, k: string) => r.buckets.get(k) ?? 0;
  const ordered = [...names].sort(
    (a, b) => fleet.reduce((s, r) => s + total(r, b), 0) - fleet.reduce((s, r) => s + total(r, a), 0),
  );
  lines.push(
    `where each run's time went, s (fleet mean / p50 / p90 / max; alone; the run that ended last, ${last.workflowId}):`,
  );
  for (const k of ordered) {
    lines.push(
      `  ${k.padEnd(42)} ${stats(fleet.map((r) => total(r, k)))}  ${alone ? secs(total(alone, k)) : ''}  ${secs(total(last, k))}`,
    );
  }
  const why = new Map<string, { runs: number; attempts: number }>();
  for (const r of fleet) {
    for (const x of r.retried) {
      const w = why.get(x.what) ?? { runs: 0, attempts: 0 };
      w.runs += 1;
      w.attempts += x.attempt - 1;
      why.set(x.what, w);
    }
  }
  if (why.size) lines.push('activities retried in the fleet (runs, failed attempts: last failure):');
  for (const [w, n] of why) lines.push(`  ${n.runs} runs, ${n.attempts} failed attempts: ${w}`);
  return lines;
}

/** Counts per 5-second bin: `0-5:12 5-10:40 …`. */
function histogram(values: number[]): string {
  const bins = new Map<number, number>();
  for (const v of values.filter(Number.isFinite)) {
    const b = Math.floor(v / 5) * 5;
    bins.set(b, (bins.get(b) ?? 0) + 1);
  }
  return [...bins]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${b}-${b + 5}:${n}`)
    .join(' ');
}
