/** `xpuflow runs list`: provisioning runs matching filters, newest first. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { DPU_KEY, NODE_KEY, PHASE_KEY } from '../../model/search-attributes';

export interface RunRow {
  workflowId: string;
  runId: string;
  dpu?: string;
  node?: string;
  phase?: string;
  status: string;
  startTime: string;
  closeTime?: string;
}

/** Runs matching a visibility query (see query.ts), newest first. */
export async function listRuns(client: Client, query: string, limit = 200): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  for await (const info of client.workflow.list({ query })) {
    rows.push(row(info));
    if (rows.length >= limit) break;
  }
  return rows;
}

function row(info: WorkflowExecutionInfo): RunRow {
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    dpu: info.typedSearchAttributes.get(DPU_KEY),
    node: info.typedSearchAttributes.get(NODE_KEY),
    phase: info.typedSearchAttributes.get(PHASE_KEY),
    status: info.status.name,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
  };
}

export function renderRuns(rows: RunRow[]): string[] {
  if (rows.length === 0) return ['no runs match'];
  const table = [
    ['DPU', 'NODE', 'PHASE', 'STATUS', 'STARTED', 'WORKFLOW ID'],
    ...rows.map((r) => [
      r.dpu ?? '-',
      r.node ?? '-',
      r.phase ?? '-',
      r.status,
      r.startTime.replace(/\.\d+Z$/, 'Z'),
      r.workflowId,
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}
