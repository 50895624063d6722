/**
 * `runs list` filters as a Temporal visibility query over xpuflow's search
 * attributes (XpuflowPhase, XpuflowNode) and the run's status and times.
 */
import { parsePhase, Phase } from '../../model/phases';
import { NODE_KEY, PHASE_KEY } from '../../model/search-attributes';
import { checkNodeName } from '../../model/validation';
import { WorkflowType } from '../../model/workflow-types';
import { CliError } from '../cli-error';

export const EXECUTION_STATUSES = [
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'TimedOut',
  'ContinuedAsNew',
];

export interface RunFilters {
  phase?: string;
  node?: string;
  status?: string;
  since?: string;
}

export function visibilityQuery(f: RunFilters, now: Date = new Date()): string {
  // Provisioning runs: ProvisionDpu, and UpdateDpu, which walks the same phases.
  const parts = [`WorkflowType IN ('${WorkflowType.provisionDpu}', '${WorkflowType.updateDpu}')`];
  if (f.phase !== undefined) {
    const phase = parsePhase(f.phase);
    if (!phase)
      throw new CliError(
        `unknown phase ${JSON.stringify(f.phase)}: choose one of ${Object.values(Phase).join(', ')}`,
      );
    parts.push(`${PHASE_KEY.name} = '${phase}'`);
  }
  if (f.node !== undefined) {
    const bad = checkNodeName(f.node);
    if (bad) throw new CliError(bad);
    parts.push(`${NODE_KEY.name} = '${f.node}'`);
  }
  if (f.status !== undefined) {
    const status = EXECUTION_STATUSES.find((s) => s.toLowerCase() === f.status!.toLowerCase());
    if (!status)
      throw new CliError(
        `unknown status ${JSON.stringify(f.status)}: choose one of ${EXECUTION_STATUSES.join(', ')}`,
      );
    parts.push(`ExecutionStatus = '${status}'`);
  }
  if (f.since !== undefined) {
    const t = sinceTime(f.since, now).toISOString();
    parts.push(`(StartTime > '${t}' OR CloseTime > '${t}')`);
  }
  return parts.join(' AND ');
}

/** `90s`, `30m`, `1h`, `2d`, or an ISO time. */
export function sinceTime(value: string, now: Date): Date {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (m) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(m[1]) * unit * 1000);
  }
  const t = new Date(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(t.getTime())) return t;
  throw new CliError(
    `--since ${JSON.stringify(value)} is neither a duration (90s, 30m, 1h, 2d) nor an ISO time (2026-11-23T20:00:00Z)`,
  );
}
