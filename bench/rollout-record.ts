/**
 * The most DPUs a DPUSet rollout held down at once, read from the rollout
 * workflow's own history rather than by watching the DPUs: a DPU of the
 * rollout is down from its rolloutDpu child's start (the child first gives
 * the DPU the new template, which takes it out of service) to that child's
 * end (it ends once the DPU has settled, Ready or Error). The count only
 * ever over-states, by the moments between a child's start and its first
 * activity and between Ready and the child's end, never under-states.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { WorkflowType } from '../model/workflow-types';
import { dpuGenerationWorkflowId, rolloutDpuWorkflowId, rolloutTemplateHash } from '../model/workflow-ids';
import type { DpuStatus } from '../model/dpu';

const T = temporal.api.enums.v1.EventType;
const CHILD_ENDS = new Set<number>([
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
]);

export interface RolloutRecord extends ChildTimes {
  workflowId: string;
  children: number;
  /** The most children running at once, by the history's order of events. */
  mostInFlight: number;
}

/** Where a rollout's time went, by its history's event times (ms). */
export interface ChildTimes {
  /** The rollout's start to its first child started. */
  firstStartMs: number;
  /** A child's start to its end, averaged over the children (each is one DPU's update, Ready seen). */
  meanChildMs: number;
  /** A child's end to the next child started, averaged over the ends that freed a slot for one still queued. */
  meanRefillMs: number;
  /** Their longest. */
  maxRefillMs: number;
}

/** The rollout of set `namespace/name` started at or after `sinceMs`, from its history. */
export async function rolloutRecord(
  client: Client,
  set: { namespace: string; name: string },
  sinceMs: number,
): Promise<RolloutRecord> {
  // The rollout's workflow ID is dpuset-rollout-<ns>-<set>-<templateHash>-g<generation> (model/workflow-ids.ts).
  const prefix = `dpuset-rollout-${set.namespace}-${set.name}-`;
  const runs = [];
  for await (const w of client.workflow.list({ query: `WorkflowType = "${WorkflowType.dpusetRollout}"` })) {
    if (w.workflowId.startsWith(prefix) && w.startTime.getTime() >= sinceMs) runs.push(w);
  }
  if (runs.length !== 1) {
    throw new Error(
      `expected one ${WorkflowType.dpusetRollout} run of DPUSet ${set.namespace}/${set.name} started since ${new Date(sinceMs).toISOString()}, found ${runs.length}: ${runs.map((r) => r.workflowId).join(', ') || 'none'}`,
    );
  }
  const { workflowId, runId } = runs[0];
  // Its last children end after their DPUs are Ready (which is what the caller waited for): read it ended.
  await client.workflow.getHandle(workflowId, runId).result();
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  return { workflowId, ...childrenInFlight(events), ...childTimes(events) };
}

/** How many children a history started, and the most running at once, by its order of events. */
export function childrenInFlight(events: temporal.api.history.v1.IHistoryEvent[]): {
  children: number;
  mostInFlight: number;
} {
  let inFlight = 0;
  let mostInFlight = 0;
  let children = 0;
  for (const e of events) {
    if (e.eventType === T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      children++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
    } else if (CHILD_ENDS.has(e.eventType ?? 0)) {
      inFlight--;
    }
  }
  return { children, mostInFlight };
}

const msOf = (e: temporal.api.history.v1.IHistoryEvent): number => {
  const t = e.eventTime;
  if (!t) throw new Error(`history event ${String(e.eventId)} has no eventTime: is it a full history?`);
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
};

/**
 * Where the time went between the children: each child's span, and how long a
 * slot stood empty after a child ended while DPUs were still queued (the end
 * to the next child started). The ends after the last start free no slot
 * anyone waits for and are left out.
 */
export function childTimes(events: temporal.api.history.v1.IHistoryEvent[]): ChildTimes {
  const startedAt = new Map<string, number>(); // by the initiating event's ID
  const spans: number[] = [];
  const refills: number[] = [];
  const pendingEnds: number[] = []; // ends not yet followed by a start
  let workflowStart: number | undefined;
  let firstStart: number | undefined;
  for (const e of events) {
    if (e.eventType === T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) workflowStart = msOf(e);
    else if (e.eventType === T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      const at = msOf(e);
      firstStart ??= at;
      startedAt.set(String(e.childWorkflowExecutionStartedEventAttributes?.initiatedEventId), at);
      // A start fills the slot of the earliest end still open.
      const freed = pendingEnds.shift();
      if (freed !== undefined) refills.push(at - freed);
    } else if (CHILD_ENDS.has(e.eventType ?? 0)) {
      const at = msOf(e);
      pendingEnds.push(at);
      const begun = startedAt.get(String(initiatedOf(e)));
      if (begun !== undefined) spans.push(at - begun);
    }
  }
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    firstStartMs: firstStart !== undefined && workflowStart !== undefined ? firstStart - workflowStart : 0,
    meanChildMs: mean(spans),
    meanRefillMs: mean(refills),
    maxRefillMs: refills.length === 0 ? 0 : Math.max(...refills),
  };
}

function initiatedOf(e: temporal.api.history.v1.IHistoryEvent): unknown {
  return (
    e.childWorkflowExecutionCompletedEventAttributes ??
    e.childWorkflowExecutionFailedEventAttributes ??
    e.childWorkflowExecutionCanceledEventAttributes ??
    e.childWorkflowExecutionTimedOutEventAttributes ??
    e.childWorkflowExecutionTerminatedEventAttributes
  )?.initiatedEventId;
}

export interface UpdateBreakdown {
  /** Mean seconds each phase of the DPUs' update flows (UpdateDpu, by their results) took. */
  phases: Map<string, number>;
  /** Mean seconds from a rollout child's start to its DPU's first update phase (spec write, controller, lifecycle). */
  reactSeconds: number;
  /** Mean seconds from a DPU's update flow ending Ready to its rollout child's end (the slot freed). */
  noticeSeconds: number;
}

/** Where the DPUs' updates in rollout `rolloutWorkflowId` spent their time, over the DPUs given. */
export async function updateBreakdown(
  client: Client,
  set: { namespace: string; name: string },
  rolloutWorkflowId: string,
  dpus: { ref: { namespace: string; name: string }; generation: number }[],
): Promise<UpdateBreakdown> {
  const hash = rolloutTemplateHash(rolloutWorkflowId);
  if (!hash) throw new Error(`rollout workflow ID ${rolloutWorkflowId} carries no template hash`);
  const secs = new Map<string, number[]>();
  const react: number[] = [];
  const notice: number[] = [];
  for (const d of dpus) {
    const status = (await client.workflow
      .getHandle(dpuGenerationWorkflowId('update', d.ref, d.generation))
      .result()) as DpuStatus;
    const child = await client.workflow.getHandle(rolloutDpuWorkflowId(set, hash, d.ref.name)).describe();
    for (const p of status.phases) {
      if (!p.endedAt || p.result === 'skipped') continue;
      secs.set(p.phase, [
        ...(secs.get(p.phase) ?? []),
        (Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000,
      ]);
    }
    const first = status.phases[0];
    const last = status.phases[status.phases.length - 1];
    if (first) react.push((Date.parse(first.startedAt) - child.startTime.getTime()) / 1000);
    if (last && child.closeTime)
      notice.push((child.closeTime.getTime() - Date.parse(last.endedAt ?? last.startedAt)) / 1000);
  }
  const mean = (l: number[]) => (l.length === 0 ? 0 : l.reduce((a, b) => a + b, 0) / l.length);
  return {
    phases: new Map([...secs].map(([phase, l]) => [phase, mean(l)])),
    reactSeconds: mean(react),
    noticeSeconds: mean(notice),
  };
}
