/**
 * What a set of workflow runs cost Temporal, read from their histories: events,
 * workflow tasks, and an estimate of the Temporal Cloud Actions they bill.
 *
 * Actions, as Temporal Cloud's "Temporal Cloud Actions" page lists them by history
 * event type (temporalio/documentation, docs/evaluate/cloud/actions.mdx, commit
 * 24afc58a45403e4942a36ac4e4805c05c4298fb9; https://docs.temporal.io/cloud/actions):
 *   WorkflowExecutionStarted                      1 (a child's own start is counted at its parent's
 *                                                    StartChildWorkflowExecutionInitiated, which is 2:
 *                                                    "one for durably storing the intent … and one for the attempt")
 *   UpsertWorkflowSearchAttributes                1 (none when it only sets TemporalChangeVersion, i.e. patched())
 *   WorkflowExecutionOptionsUpdated               1
 *   ActivityTaskScheduled                         1, plus (attempt − 1) retries on its ActivityTaskStarted
 *   MarkerRecorded of local activities            1 per workflow task that recorded any
 *   TimerStarted                                  1
 *   WorkflowExecutionSignaled                     1 (the signaler's SignalExternal…Initiated is not billed again)
 *   WorkflowExecutionUpdateAccepted               1
 *   NexusOperationScheduled / CancelRequested     1
 * The page says history events "do not always map 1:1 to Action Types", and some
 * Actions never appear in a history: activity heartbeats that reach the server,
 * queries, rejected updates, local-activity retries. So this is a lower bound of
 * what Temporal Cloud would bill, not the bill.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const T = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryCost {
  workflows: number;
  events: number;
  workflowTasks: number;
  actions: number;
}

/** The estimated billable Actions of one history (see the table above). */
export function actionsOf(events: HistoryEvent[]): number {
  let actions = 0;
  let localActivityTask = false;
  for (const e of events) {
    switch (e.eventType) {
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        if (!e.workflowExecutionStartedEventAttributes?.parentWorkflowExecution) actions += 1;
        break;
      case T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        actions += 2;
        break;
      case T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (fields.some((f) => f !== 'TemporalChangeVersion')) actions += 1;
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        actions += Math.max(0, (e.activityTaskStartedEventAttributes?.attempt ?? 1) - 1);
        break;
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        localActivityTask = false; // the markers that follow belong to this task
        break;
      case T.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && !localActivityTask) {
          localActivityTask = true;
          actions += 1;
        }
        break;
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      case T.EVENT_TYPE_TIMER_STARTED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      case T.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED:
      case T.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED:
        actions += 1;
        break;
      default:
        break;
    }
  }
  return actions;
}

/** An event's time, epoch ms (0 when it has none). */
export function eventMs(e: HistoryEvent | undefined): number {
  return Number(e?.eventTime?.seconds ?? 0) * 1000 + (e?.eventTime?.nanos ?? 0) / 1e6;
}

/**
 * Every workflow run on the server that started in [fromMs, toMs) (every kind: the
 * flows, their children, the leases), with its history's cost summed.
 */
export async function costOfRunsStarted(client: Client, fromMs: number, toMs: number): Promise<HistoryCost> {
  const cost: HistoryCost = { workflows: 0, events: 0, workflowTasks: 0, actions: 0 };
  const runs: Array<{ workflowId: string; runId: string }> = [];
  for await (const w of client.workflow.list()) {
    const t = w.startTime.getTime();
    if (t >= fromMs && t < toMs) runs.push({ workflowId: w.workflowId, runId: w.runId });
  }
  for (const { workflowId, runId } of runs) {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    // The visibility store's start time and the history's agree; the history is the record.
    if (eventMs(events[0]) < fromMs) continue;
    cost.workflows += 1;
    cost.events += events.length;
    cost.workflowTasks += events.filter((e) => e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED).length;
    cost.actions += actionsOf(events);
  }
  return cost;
}
