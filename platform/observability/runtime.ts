/**
 * The worker process's Temporal Runtime: JSON logs (SDK, workflow and
 * activity loggers, and Core's own lines forwarded) and, with a metrics
 * address, the SDK's Prometheus exporter serving `/metrics` (the SDK's series
 * and xpuflow's, see metrics.ts). Install once, before any connection.
 *   XPUFLOW_METRICS_ADDRESS=0.0.0.0:9464   or the worker's --metrics flag
 *   XPUFLOW_LOG_FORMAT=json (default) | text
 *   XPUFLOW_LOG_LEVEL=INFO (default) | DEBUG | WARN | ERROR
 */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { jsonLogger } from './json-logger';
import { HISTOGRAM_BUCKETS, METRIC } from './metrics';

export interface WorkerRuntimeOptions {
  /** `component` field of every log line: control-worker, host-worker… */
  component: string;
  /** host:port for Prometheus; none: no metrics endpoint. */
  metricsAddress?: string;
}

const LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function checkMetricsAddress(value: string): string | undefined {
  return /^[^\s:]+:\d{1,5}$/.test(value) && Number(value.split(':').pop()) <= 65535
    ? undefined
    : `metrics address ${JSON.stringify(value)} is not host:port (e.g. 0.0.0.0:9464)`;
}

export function installWorkerRuntime(o: WorkerRuntimeOptions, env: NodeJS.ProcessEnv = process.env): void {
  const level = (env.XPUFLOW_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  if (!LEVELS.includes(level))
    throw new Error(`XPUFLOW_LOG_LEVEL=${env.XPUFLOW_LOG_LEVEL} is not one of ${LEVELS.join(', ')}`);
  const format = env.XPUFLOW_LOG_FORMAT ?? 'json';
  if (format !== 'json' && format !== 'text')
    throw new Error(`XPUFLOW_LOG_FORMAT=${format} is not json or text`);
  const address = o.metricsAddress ?? env.XPUFLOW_METRICS_ADDRESS;
  if (address) {
    const bad = checkMetricsAddress(address);
    if (bad) throw new Error(bad);
  }
  Runtime.install({
    logger: format === 'json' ? jsonLogger(o.component, level) : new DefaultLogger(level),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(address
        ? {
            metrics: {
              prometheus: {
                bindAddress: address,
                useSecondsForDurations: true,
                histogramBucketOverrides: HISTOGRAM_BUCKETS,
              },
            },
          }
        : {}),
    },
  });
  if (address) {
    // No series is seeded: a gauge appears with its first real value (the lease
    // collector's first pass, a rollout's first status report), so a value on
    // /metrics is always one something measured.
    Runtime.instance().logger.info(`metrics on http://${address}/metrics`, {
      metrics: Object.values(METRIC),
    });
  }
}
