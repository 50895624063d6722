/**
 * Phase metrics recorded by the workflow: the SDK emits them through the
 * worker's metrics exporter, and never while replaying, so they are safe in
 * workflow code.
 * - xpuflow_phase_duration_seconds{phase,result}: how long each closed phase took;
 * - xpuflow_dpu_phase_start_time_seconds{namespace,dpu,node,phase}: when the DPU
 *   entered the phase it is in (Unix seconds), 0 for every other phase (and
 *   for all once its run is cancelled or the DPU deleted),
 *   so `time() - x > limit` names the DPU stuck and since when (the alert
 *   rules in charts/xpuflow/templates/prometheus-rule.yaml).
 *
 * The start-time gauge is per DPU, as DPF's own stuck-phase alerts are
 * (dpf_dpu_status_phase by namespace, name, phase: NVIDIA/doca-platform
 * deploy/helmfiles/prometheus-rules/dpf-lifecycle.yaml @551a9e113b1b7f0b65a47134c8f953a822c74564):
 * (node is the DPU's host, one per DPU, so it adds no series);
 * a DPU has at most ten phases, so a fleet of N DPUs has at most 10·N series,
 * and no label is per VF or per run.
 *
 * Because nothing is emitted on replay, a control worker that restarts while
 * a DPU sits in a phase shows that DPU's gauge again only when it next
 * changes phase.
 *
 * Two control workers (the chart runs 2) each export what they last wrote:
 * a run whose workflow tasks moved from one to the other leaves the first
 * one's gauges at the phase it saw last, for as long as that process lives.
 * So each write also sets xpuflow_dpu_phase_written_time_seconds{namespace,dpu,node}
 * (the workflow's clock at the write), and readers take, per DPU, the
 * exporter whose write is the newest (the rules' "current phase starts",
 * charts/xpuflow/templates/_alert-rules.tpl): one workflow task at a time, so
 * the newest write holds the DPU's whole current state.
 */
import { metricMeter } from '@temporalio/workflow';
import { Phase } from '../../model/phases';

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

export const PHASE_START_TIME = 'xpuflow_dpu_phase_start_time_seconds';
export const PHASE_WRITTEN_TIME = 'xpuflow_dpu_phase_written_time_seconds';

const ALL_PHASES = Object.values(Phase) as Phase[];

interface DpuLabels {
  dpu: string;
  node: string;
  namespace: string;
}

/**
 * Every phase of the DPU to 0 but `to`, which gets its start: a new run (a
 * new generation after an Error) thus clears what an earlier run left.
 */
function setPhaseStarts(labels: DpuLabels, to?: { phase: Phase; at: string }): void {
  const gauge = metricMeter.createGauge(
    PHASE_START_TIME,
    'float',
    's',
    'when the DPU entered its current phase (Unix seconds); 0 for phases it is not in',
  );
  for (const phase of ALL_PHASES) if (phase !== to?.phase) gauge.set(0, { ...labels, phase });
  if (to) gauge.set(Date.parse(to.at) / 1000, { ...labels, phase: to.phase });
  metricMeter
    .createGauge(
      PHASE_WRITTEN_TIME,
      'float',
      's',
      "when this worker last wrote the DPU's phase start times (workflow clock, Unix seconds): the newest writer holds the current ones",
    )
    .set(Date.now() / 1000, { ...labels });
}

/** A PhaseEntered listener for one DPU: the phase entered gets its start, every other phase 0. */
export function phaseStartRecorder(
  dpu: string,
  node: string,
  namespace: string,
): (change: { from: Phase; to: Phase; at: string }) => void {
  return ({ to, at }) => setPhaseStarts({ dpu, node, namespace }, { phase: to, at });
}

/** The DPU is in no phase any more (its run was cancelled, or it was deleted): all its phases to 0. */
export function clearPhaseStarts(dpu: string, node: string, namespace: string): void {
  setPhaseStarts({ dpu, node, namespace });
}
