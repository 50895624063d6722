/**
 * `xpuflow reset <id> --to <phase>`: run a DPU's provisioning again from a phase.
 *
 * - The run is open and parked in Error: the workflow's own `retry` update,
 *   from that phase. The run goes on (same run ID); what the failed attempt did
 *   was already undone, and its history stays one story.
 * - Otherwise (the run is stuck in a phase, or has finished): Temporal's
 *   ResetWorkflowExecution to the workflow task that entered the phase (the
 *   last time it did). Temporal starts a new run whose history is the old one
 *   up to that task, and the workflow does that phase and everything after it
 *   again; the old run is terminated if it was open. Nothing is undone first:
 *   every phase's steps are idempotent (check before acting).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { parsePhase, Phase, RETRYABLE_FROM } from '../../model/phases';
import { retryUpdate } from '../../model/dpu-provision-api';
import { PHASE_KEY } from '../../model/search-attributes';
import { CliError } from '../cli-error';
import { eventId, phaseSpans } from '../history/events';
import { candidateIds } from '../history/load';

export type ResetOutcome =
  | { how: 'retry-update'; workflowId: string; runId: string; restartingFrom: string; retry: number }
  | { how: 'temporal-reset'; workflowId: string; oldRunId: string; newRunId: string; eventId: number };

export function phaseArgument(value: string): Phase {
  const phase = parsePhase(value);
  if (!phase || !RETRYABLE_FROM.includes(phase))
    throw new CliError(
      `--to ${JSON.stringify(value)} is not a phase to run from: choose one of ${RETRYABLE_FROM.join(', ')}`,
    );
  return phase;
}

export async function resetRun(client: Client, id: string, to: Phase, by: string): Promise<ResetOutcome> {
  const { workflowId, desc } = await describeAny(client, id);
  const handle = client.workflow.getHandle(workflowId, desc.runId);
  const current = desc.typedSearchAttributes.get(PHASE_KEY);

  if (desc.status.name === 'RUNNING' && current === Phase.Error) {
    try {
      const accepted = await handle.executeUpdate(retryUpdate, { args: [{ fromPhase: to, by }] });
      return { how: 'retry-update', workflowId, runId: desc.runId, ...accepted };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new CliError(`reset refused by the workflow: ${err.cause?.message ?? err.message}`);
      throw err;
    }
  }

  const history = await handle.fetchHistory();
  const spans = phaseSpans(history).filter((s) => s.phase === to);
  const entered = spans[spans.length - 1];
  if (!entered) {
    const seen = [...new Set(phaseSpans(history).map((s) => s.phase))];
    throw new CliError(
      `${workflowId} never entered ${to}, so there is no point to reset to; it went through: ${seen.join(', ') || 'no phase'}`,
    );
  }
  const upsert = history.events!.find((e) => eventId(e) === entered.eventId)!;
  const taskCompletedId = upsert.upsertWorkflowSearchAttributesEventAttributes!.workflowTaskCompletedEventId!;
  const taskCompleted = Number(taskCompletedId);
  const request: temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest = {
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId: desc.runId },
    reason: `xpuflow reset --to "${to}" by ${by}`,
    workflowTaskFinishEventId: taskCompletedId,
    requestId: randomUUID(),
  };
  const { runId } = await client.workflowService.resetWorkflowExecution(request);
  return {
    how: 'temporal-reset',
    workflowId,
    oldRunId: desc.runId,
    newRunId: runId ?? '?',
    eventId: taskCompleted,
  };
}

async function describeAny(client: Client, id: string) {
  for (const workflowId of candidateIds(id)) {
    try {
      return { workflowId, desc: await client.workflow.getHandle(workflowId).describe() };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  throw new CliError(
    `no workflow ${JSON.stringify(id)} in namespace ${client.options.namespace}: \`xpuflow runs list\` shows the runs there are`,
  );
}
