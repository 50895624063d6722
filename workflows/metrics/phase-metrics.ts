/**
 * Phase durations as a workflow metric (xpuflow_phase_duration_seconds): the
 * SDK emits it through the worker's metrics exporter, and never while
 * replaying, so it is safe in workflow code.
 */
import { metricMeter } from '@temporalio/workflow';

/** Wired to the StatusBook's closed phase records by ProvisionDpu (a PhaseClosed listener). */
export function recordPhaseDuration({
  phase,
  result,
  startedAt,
  endedAt,
}: {
  phase: string;
  result: string;
  startedAt: string;
  endedAt: string;
}): void {
  const seconds = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
  if (!(seconds >= 0)) return;
  metricMeter
    .createHistogram(
      'xpuflow_phase_duration_seconds',
      'float',
      's',
      'time a DPU spent in a provisioning phase',
    )
    .record(seconds, { phase, result });
}
