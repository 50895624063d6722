/**
 * A run's history, from the server or from a file (`temporal workflow show
 * --output json`, or the Temporal UI's "Download" export), with errors that
 * say what is wrong with it.
 */
import fs from 'node:fs';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import { CliError } from '../cli-error';

export type History = temporal.api.history.v1.IHistory;

export function loadHistoryFile(file: string): History {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read history file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `history file ${file} is not valid JSON (${(err as Error).message}); it may be truncated: ` +
        'export it again with `temporal workflow show --workflow-id ID --output json > FILE`',
    );
  }
  const events = (doc as { events?: unknown })?.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new CliError(
      `history file ${file} has no "events" array: expected the JSON of \`temporal workflow show --output json\` or the UI's download`,
    );
  }
  let history: History;
  try {
    history = historyFromJSON(doc);
  } catch (err) {
    throw new CliError(`history file ${file} holds events that do not parse: ${(err as Error).message}`);
  }
  return checkHistory(history, `history file ${file}`);
}

/** The history of a run on the server; `id` is a workflow ID or a DPU name. */
export async function fetchRunHistory(
  client: Client,
  id: string,
  runId?: string,
): Promise<{ workflowId: string; history: History }> {
  for (const workflowId of candidateIds(id)) {
    try {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      return { workflowId, history: checkHistory(history, `workflow ${workflowId}`) };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  throw new CliError(
    `no workflow ${JSON.stringify(id)} in namespace ${client.options.namespace}` +
      (id.startsWith('provision-dpu-') ? '' : ` (nor ${provisionDpuWorkflowId(id)})`) +
      ': `xpuflow runs list` shows the runs there are',
  );
}

/** Not found, as the client says it (describe) or as gRPC does (history fetches: NOT_FOUND = 5). */
export function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  return err instanceof WorkflowNotFoundError || e?.code === 5 || e?.cause?.code === 5;
}

/** A workflow ID, or a DPU name whose provisioning run is meant. */
export function candidateIds(id: string): string[] {
  return id.startsWith('provision-dpu-') ? [id] : [id, provisionDpuWorkflowId(id)];
}

function checkHistory(history: History, what: string): History {
  const first = history.events?.[0];
  if (!first?.workflowExecutionStartedEventAttributes) {
    throw new CliError(
      `${what} does not begin with WorkflowExecutionStarted (first event: ${first ? eventTypeName(first) : 'none'}): it is not a whole history`,
    );
  }
  return history;
}

export function eventTypeName(e: temporal.api.history.v1.IHistoryEvent): string {
  const t = e.eventType;
  // The enum as a name, without the EVENT_TYPE_ prefix, in PascalCase (as the UI shows it).
  const raw = typeof t === 'number' ? (EVENT_TYPE_NAMES[t] ?? String(t)) : String(t ?? '?');
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
}

const EVENT_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(temporal.api.enums.v1.EventType).map(([k, v]) => [v as number, k]),
);
