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

const T = temporal.api.enums.v1.EventType;
const CHILD_ENDS = new Set<number>([
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
]);

export interface RolloutRecord {
  workflowId: string;
  children: number;
  /** The most children running at once, by the history's order of events. */
  mostInFlight: number;
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
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  return { workflowId, ...childrenInFlight(events) };
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
