/**
 * Reading a ProvisionDpu history as an operator would: the phases (from the
 * XpuflowPhase search attribute upserts) with their times, the activities with
 * their attempts and failures, and the run's end.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { PHASE_KEY } from '../../model/search-attributes';
import { eventTypeName, type History } from './load';

type Event = temporal.api.history.v1.IHistoryEvent;
type ProtoFailure = temporal.api.failure.v1.IFailure;

export interface PhaseSpan {
  phase: string;
  /** The upsert event that entered the phase. */
  eventId: number;
  startedAt?: Date;
  endedAt?: Date;
}

export interface ActivityRecord {
  eventId: number;
  activityType: string;
  activityId: string;
  phase?: string;
  scheduledAt?: Date;
  closedAt?: Date;
  /** The attempt that closed it (or the one running). */
  attempt: number;
  result: 'completed' | 'failed' | 'timed out' | 'canceled' | 'running';
  /** The failure of the last attempt, or of the attempt before the one running. */
  failure?: string[];
}

export function eventId(e: Event): number {
  return Number(e.eventId ?? 0);
}

export function eventTime(e: Event): Date | undefined {
  const t = e.eventTime;
  if (!t) return undefined;
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

/** The phase each upsert of XpuflowPhase entered, with when it started and ended. */
export function phaseSpans(history: History): PhaseSpan[] {
  const spans: PhaseSpan[] = [];
  for (const e of history.events ?? []) {
    const field =
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[PHASE_KEY.name];
    if (!field) continue;
    const value = defaultPayloadConverter.fromPayload(field) as string | string[];
    const phase = Array.isArray(value) ? value[0] : value;
    const at = eventTime(e);
    const prev = spans[spans.length - 1];
    if (prev && !prev.endedAt) prev.endedAt = at;
    spans.push({ phase, eventId: eventId(e), startedAt: at });
  }
  const last = history.events?.[history.events.length - 1];
  const end = spans[spans.length - 1];
  if (end && last && isClose(last)) end.endedAt = eventTime(last);
  return spans;
}

/** The phase the run was in at an event (the last XpuflowPhase upsert before it). */
export function phaseAt(spans: PhaseSpan[], id: number): string | undefined {
  return [...spans].reverse().find((s) => s.eventId <= id)?.phase;
}

export function activities(history: History): ActivityRecord[] {
  const spans = phaseSpans(history);
  const byScheduled = new Map<number, ActivityRecord>();
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      byScheduled.set(eventId(e), {
        eventId: eventId(e),
        activityType: s.activityType?.name ?? '?',
        activityId: s.activityId ?? '?',
        phase: phaseAt(spans, eventId(e)),
        scheduledAt: eventTime(e),
        attempt: 1,
        result: 'running',
      });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const rec = byScheduled.get(Number(started.scheduledEventId));
      if (rec) {
        rec.attempt = started.attempt ?? rec.attempt;
        if (started.lastFailure) rec.failure = failureChain(started.lastFailure);
      }
      continue;
    }
    const close =
      (e.activityTaskCompletedEventAttributes && {
        how: 'completed' as const,
        a: e.activityTaskCompletedEventAttributes,
      }) ||
      (e.activityTaskFailedEventAttributes && {
        how: 'failed' as const,
        a: e.activityTaskFailedEventAttributes,
      }) ||
      (e.activityTaskTimedOutEventAttributes && {
        how: 'timed out' as const,
        a: e.activityTaskTimedOutEventAttributes,
      }) ||
      (e.activityTaskCanceledEventAttributes && {
        how: 'canceled' as const,
        a: e.activityTaskCanceledEventAttributes,
      });
    if (close) {
      const rec = byScheduled.get(Number(close.a.scheduledEventId));
      if (!rec) continue;
      rec.result = close.how;
      rec.closedAt = eventTime(e);
      const f = (close.a as { failure?: ProtoFailure | null }).failure;
      if (f) rec.failure = failureChain(f);
      else if (close.how === 'completed') rec.failure = undefined;
    }
  }
  return [...byScheduled.values()];
}

/** The run's end: how it closed and its failure chain, if it has closed. */
export function runEnd(history: History): { how: string; at?: Date; failure?: string[] } | undefined {
  const last = history.events?.[history.events.length - 1];
  if (!last || !isClose(last)) return undefined;
  const f = last.workflowExecutionFailedEventAttributes?.failure;
  return {
    how: eventTypeName(last).replace(/^WorkflowExecution/, ''),
    at: eventTime(last),
    failure: f ? failureChain(f) : undefined,
  };
}

/** A failure and its causes, outermost first: "message (type)". */
export function failureChain(f: ProtoFailure | null | undefined): string[] {
  const out: string[] = [];
  for (let cur = f; cur && out.length < 10; cur = cur.cause) {
    const kind =
      cur.applicationFailureInfo?.type ||
      (cur.timeoutFailureInfo && `timeout ${cur.timeoutFailureInfo.timeoutType ?? ''}`.trim()) ||
      (cur.activityFailureInfo && `activity ${cur.activityFailureInfo.activityType?.name ?? ''}`.trim()) ||
      (cur.canceledFailureInfo && 'canceled') ||
      (cur.terminatedFailureInfo && 'terminated') ||
      (cur.serverFailureInfo && 'server') ||
      '';
    out.push(kind ? `${cur.message ?? ''} (${kind})` : (cur.message ?? ''));
  }
  return out;
}

function isClose(e: Event): boolean {
  return Boolean(
    e.workflowExecutionCompletedEventAttributes ||
    e.workflowExecutionFailedEventAttributes ||
    e.workflowExecutionTimedOutEventAttributes ||
    e.workflowExecutionTerminatedEventAttributes ||
    e.workflowExecutionCanceledEventAttributes ||
    e.workflowExecutionContinuedAsNewEventAttributes,
  );
}
