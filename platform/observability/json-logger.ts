/**
 * Structured logs: one JSON object per line, with the workflow ID and the DPU
 * it concerns (from the workflow ID, `provision-dpu-<name>`, or a `dpu` field
 * the caller logged), so a log pipeline can follow one DPU across workers.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

const DPU_FROM_WORKFLOW_ID = /^provision-dpu-(.+)$/;

export function logLine(entry: LogEntry, component: string): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const workflowId = typeof meta.workflowId === 'string' ? meta.workflowId : undefined;
  const dpu =
    typeof meta.dpu === 'string'
      ? meta.dpu
      : workflowId
        ? DPU_FROM_WORKFLOW_ID.exec(workflowId)?.[1]
        : undefined;
  return JSON.stringify({
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    component,
    msg: entry.message,
    ...(workflowId ? { workflowId } : {}),
    ...(dpu ? { dpu } : {}),
    ...meta,
  });
}

export function jsonLogger(
  component: string,
  level: LogLevel = 'INFO',
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(logLine(entry, component)));
}
