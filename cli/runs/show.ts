/** `xpuflow runs show <id>`: a run's phases with times, its failure and causes, its activity attempts. */
import { activities, phaseSpans, runEnd, type ActivityRecord, type PhaseSpan } from '../history/events';
import type { History } from '../history/load';

export interface RunReport {
  workflowId: string;
  phases: PhaseSpan[];
  activities: ActivityRecord[];
  end?: ReturnType<typeof runEnd>;
}

export function runReport(workflowId: string, history: History): RunReport {
  return { workflowId, phases: phaseSpans(history), activities: activities(history), end: runEnd(history) };
}

function dur(a?: Date, b?: Date): string {
  if (!a) return '';
  if (!b) return 'running';
  const s = (b.getTime() - a.getTime()) / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}

const time = (d?: Date) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '');

export function renderReport(r: RunReport): string[] {
  const lines = [
    `${r.workflowId}: ${r.end ? r.end.how : 'Running'}${r.end?.at ? ` at ${time(r.end.at)}` : ''}`,
  ];
  lines.push('phases:');
  for (const p of r.phases)
    lines.push(`  ${p.phase.padEnd(28)} ${time(p.startedAt)}  ${dur(p.startedAt, p.endedAt)}`);
  if (r.end?.failure?.length) {
    lines.push('failure:');
    r.end.failure.forEach((f, i) => lines.push(`  ${i === 0 ? '' : 'caused by: '}${f}`));
  }
  const troubled = r.activities.filter((a) => a.attempt > 1 || a.failure || a.result !== 'completed');
  lines.push(`activities: ${r.activities.length} (${troubled.length} retried, failed or open)`);
  for (const a of r.activities) {
    const mark = a.result === 'completed' && a.attempt === 1 ? ' ' : '!';
    lines.push(
      `${mark} #${a.eventId} ${a.activityType} [${a.phase ?? '-'}] ${a.result}, attempt ${a.attempt}, ${dur(a.scheduledAt, a.closedAt)}`,
    );
    a.failure?.forEach((f, i) =>
      lines.push(
        `      ${i === 0 ? (a.result === 'completed' ? 'earlier attempt: ' : '') : 'caused by: '}${f}`,
      ),
    );
  }
  return lines;
}
