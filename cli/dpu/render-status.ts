/** Plain-text rendering of a DPU's status for people (the CLI and the demo). */
import type { Progress } from '../../model/dpu';
import type { DpuView } from './read-status';
import { formatBytes, progressBar } from '../progress-bar';
import { DmsFailureType } from '../../activities/dms/failures';

/** A step's percent now: estimated from its start and expected duration when it has them (capped at 99). */
export function livePercent(p: Progress, nowMs = Date.now()): number | undefined {
  if (p.startedAt && p.expectedSeconds) {
    const est = ((nowMs - Date.parse(p.startedAt)) / 1000 / p.expectedSeconds) * 100;
    return Math.max(p.percent ?? 0, Math.min(99, est));
  }
  return p.percent;
}

export function renderStatus(view: DpuView, uiLink?: string): string[] {
  const s = view.status;
  const lines: string[] = [];
  if (!s) {
    lines.push(`${view.workflowId}: ${view.execution}${view.failure ? `: ${view.failure}` : ''}`);
    return lines;
  }
  lines.push(`DPU ${s.dpu} on ${s.node}: ${s.phase}${s.retries ? ` (retry ${s.retries})` : ''}`);
  const transfer = view.activities.find((a) => a.bytesTotal);
  if (transfer && transfer.bytesTotal) {
    const sent = transfer.bytesSent ?? 0;
    lines.push(
      `  ${transfer.activity} ${progressBar((sent / transfer.bytesTotal) * 100)} ${formatBytes(sent)} / ${formatBytes(transfer.bytesTotal)}`,
    );
  } else if (s.progress) {
    const pct = livePercent(s.progress);
    lines.push(`  ${s.progress.step}${pct !== undefined ? ` ${progressBar(pct)}` : ''}`);
  }
  for (const a of view.activities) {
    // A wait retried on a backoff: each attempt is a look, and its "failure" says what DMS showed.
    if (a.lastFailureType === DmsFailureType.RebootUnderWay)
      lines.push(`  look ${a.attempt}: ${a.lastFailure}`);
    else if (a.attempt > 1)
      lines.push(
        `  retrying ${a.activity} (attempt ${a.attempt})${a.lastFailure ? `: ${a.lastFailure}` : ''}`,
      );
  }
  if (s.waitingFor) lines.push(`  waiting for ${s.waitingFor}`);
  if (s.lastError && s.phase === 'Error') {
    lines.push(
      `  error in ${s.lastError.phase}${s.lastError.nonRetryable ? ' (needs an operator)' : ''}: ${s.lastError.message}`,
    );
    for (const c of s.compensated) lines.push(`  undone: ${c}`);
  }
  if (uiLink) lines.push(`  ${uiLink}`);
  return lines;
}

/** One line per phase with its result and time, for `dpu status --phases`. */
export function renderPhases(view: DpuView): string[] {
  return (view.status?.phases ?? []).map((p) => {
    const secs = p.endedAt
      ? ((Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000).toFixed(1) + ' s'
      : '…';
    return `  ${p.result.padEnd(7)} ${p.phase.padEnd(27)} ${secs.padStart(9)}  ${p.message ?? ''}`;
  });
}
