/**
 * The series xpuflow's workers export, as Prometheus stores them, for the
 * tests that check the dashboard and the alert rules name only these:
 * - xpuflow's own (platform/observability/metrics.ts, workflows/metrics/), a
 *   histogram as its _bucket, _count and _sum;
 * - the Temporal SDK's, prefixed temporal_ (names from temporalio/sdk-core
 *   core/src/telemetry/metrics.rs @a3cd3fa8df9a52ef291d4266d721f1e04df4310d:
 *   NUM_POLLERS_NAME, TASK_SLOTS_AVAILABLE_NAME, ACTIVITY_SCHED_TO_START_LATENCY_HISTOGRAM_NAME…);
 * - the controller's, on its own endpoint;
 * - Prometheus's own `up` for each scrape target.
 * test/e2e/alerts.test.ts proves the ones a provisioning run produces are on a real worker's /metrics.
 */
import { METRIC } from '../../platform/observability/metrics';

const histogram = (name: string) => [`${name}_bucket`, `${name}_count`, `${name}_sum`];

export const XPUFLOW_SERIES: readonly string[] = [
  ...histogram(METRIC.phaseDuration),
  METRIC.phaseStartTime,
  METRIC.phaseWrittenTime,
  METRIC.flashBytes,
  ...histogram(METRIC.flashThroughput),
  METRIC.vfLeasesHeld,
  METRIC.vfLeasesPodGone,
  METRIC.vfLeasesPodGoneSince,
  METRIC.credentialIssued,
  METRIC.credentialIssueFailures,
  METRIC.rolloutProgress,
  METRIC.rolloutWrittenTime,
];

export const SDK_SERIES: readonly string[] = [
  'temporal_num_pollers',
  'temporal_worker_task_slots_available',
  ...histogram('temporal_activity_schedule_to_start_latency'),
  ...histogram('temporal_workflow_task_schedule_to_start_latency'),
  ...histogram('temporal_activity_execution_latency'),
];

/** The controller's endpoint (controllers/leader-metrics.ts). */
export const CONTROLLER_SERIES: readonly string[] = [
  METRIC.controllerLeader,
  METRIC.controllerLeaseRenewTime,
];

export const EXPORTED_SERIES: ReadonlySet<string> = new Set([
  'up',
  ...XPUFLOW_SERIES,
  ...SDK_SERIES,
  ...CONTROLLER_SERIES,
]);

/** The metric names a PromQL expression reads: identifiers starting xpuflow_ or temporal_, and `up`. */
export function seriesIn(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(noStrings.match(/\b(?:xpuflow_|temporal_)\w+|\bup\b(?=\s*[{[)\s]|$)/g) ?? [])];
}
