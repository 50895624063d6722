/**
 * Entry point of the control worker process.
 *   node dist/workers/control/main.js [--bfb-cache DIR] [--metrics HOST:PORT] [tuning flags]
 * Tuning flags (or their XPUFLOW_* variables; workers/worker-tuning.ts): --max-cached-workflows,
 * --workflow-task-polls, --activity-task-polls, --workflow-task-slots, --activity-task-slots,
 * --local-activity-slots, --workflow-threads.
 * XPUFLOW_MAX_TRANSFERS bounds the BFB transfers to DMS it runs at once (default 16).
 * XPUFLOW_KUBECONFIG (or KUBECONFIG, or the pod's service account) names the cluster of DPU objects.
 * XPUFLOW_DMS_POD: the DMS pod's layout as JSON (chart values `dms:`, model/dms-pod.ts); default NVIDIA DPF's.
 * Temporal connection settings come from the environment (see platform/connection/temporal.ts).
 */
import path from 'node:path';
import { requireSearchAttributes } from '../../platform/connection/search-attributes-check';
import { parseDmsPodLayout } from '../../model/dms-pod';
import { dmsTlsFromEnv } from '../../platform/connection/dms-tls';
import { connectClient } from '../../platform/connection/temporal';
import { kubeConfigFromEnv } from '../../platform/kube/config';
import { installWorkerRuntime } from '../../platform/observability/runtime';
import { connectWorkerProcess, flagValue, runUntilShutdown, runWorkerMain } from '../worker-process';
import { tuningFlags, tuningFrom, type WorkerTuning } from '../worker-tuning';
import { createControlWorker } from './worker';

export async function runControlWorker(
  opts: { bfbCacheDir?: string; metricsAddress?: string; tuning?: WorkerTuning } = {},
): Promise<void> {
  const tuning = opts.tuning ?? tuningFrom({});
  installWorkerRuntime({ component: 'control-worker', metricsAddress: opts.metricsAddress });
  const dmsTls = dmsTlsFromEnv();
  const dmsPod = process.env.XPUFLOW_DMS_POD ? parseDmsPodLayout(process.env.XPUFLOW_DMS_POD) : undefined;
  const { settings, connection, dataConverter } = await connectWorkerProcess(async (s) => {
    const client = await connectClient(s);
    await requireSearchAttributes(client);
    await client.connection.close();
  });
  const worker = await createControlWorker({
    connection,
    namespace: settings.namespace,
    bfbCacheDir: opts.bfbCacheDir ?? process.env.XPUFLOW_BFB_CACHE ?? path.resolve('.xpuflow', 'bfb-cache'),
    maxConcurrentTransfers: process.env.XPUFLOW_MAX_TRANSFERS
      ? Number(process.env.XPUFLOW_MAX_TRANSFERS)
      : undefined,
    kubeConfig: kubeConfigFromEnv(),
    dataConverter,
    dmsTls,
    dmsPod,
    tuning,
  });
  console.log(
    `control worker polling xpuflow-control on ${settings.address} (namespace ${settings.namespace}); tuning ${JSON.stringify(tuning)}`,
  );
  await runUntilShutdown(connection, [worker]);
}

if (require.main === module) {
  runWorkerMain('control worker', () =>
    runControlWorker({
      bfbCacheDir: flagValue(process.argv, '--bfb-cache'),
      metricsAddress: flagValue(process.argv, '--metrics'),
      tuning: tuningFrom(tuningFlags(process.argv)),
    }),
  );
}
