/**
 * The control worker's interceptors and sinks, shared with the test that
 * replays a history through them (test/replay/phase-metrics-replay.test.ts):
 * a sink called during replay (`callDuringReplay: true`) that recorded a
 * metric would record it again on every replay.
 */
import type { WorkerOptions } from '@temporalio/worker';
import { activityMetricsInterceptor } from '../../platform/observability/activity-metrics';

export function controlWorkerHooks(): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return { interceptors: { activity: [activityMetricsInterceptor] } };
}
