/**
 * Entry point of the control worker process.
 *   node dist/workers/control/main.js [--bfb-cache DIR] [--metrics HOST:PORT] [tuning flags]
 * Tuning flags (or their XPUFLOW_* variables; workers/worker-tuning.ts): --max-cached-workflows,
 * --workflow-task-polls, --activity-task-polls, --workflow-task-slots, --activity-task-slots,
 * --local-activity-slots, --workflow-threads.
 * --heap-growing-percent N (or XPUFLOW_HEAP_GROWING_PERCENT): V8's old-generation growth after a full
 * collection (workers/control/process-memory.ts; default 25, 0: V8's own).
 * XPUFLOW_MAX_TRANSFERS bounds the BFB transfers to DMS it runs at once (default 16).
 * XPUFLOW_KUBECONFIG (or KUBECONFIG, or the pod's service account) names the cluster of DPU objects.
 * XPUFLOW_DMS_POD: the DMS pod's layout as JSON (chart values `dms:`, model/dms-pod.ts); default NVIDIA DPF's.
 * XPUFLOW_IMAGE_SERVER (`host:port`) starts the image server BMCs fetch the redfish path's BFB + bf.cfg
 * from (activities/bfb/bfb-with-cfg-server.ts); XPUFLOW_IMAGE_SERVER_URL is its URL as BMCs reach it
 * (default http://<XPUFLOW_IMAGE_SERVER>). Unset: BMCs get the BFB's URL, without xpuflow's bf.cfg.
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
import {
  applyHeapGrowing,
  HEAP_GROWING_FLAG,
  heapGrowingPercentFrom,
  processMemoryInEffect,
} from './process-memory';
import { startBfbWithCfgServer } from '../../activities/bfb/bfb-with-cfg-server';

/** `host:port` of XPUFLOW_IMAGE_SERVER, or an error naming the value. */
function imageServerListen(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new Error(`XPUFLOW_IMAGE_SERVER ${JSON.stringify(value)} is not host:port (e.g. 0.0.0.0:8089)`);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export async function runControlWorker(
  opts: {
    bfbCacheDir?: string;
    metricsAddress?: string;
    tuning?: WorkerTuning;
    /** V8's old-generation growth (process-memory.ts); default: the flag's environment variable, else 25. */
    heapGrowingPercent?: number;
  } = {},
): Promise<void> {
  const heapGrowingPercent = opts.heapGrowingPercent ?? heapGrowingPercentFrom(undefined);
  applyHeapGrowing(heapGrowingPercent);
  const tuning = opts.tuning ?? tuningFrom({});
  installWorkerRuntime({ component: 'control-worker', metricsAddress: opts.metricsAddress });
  const dmsTls = dmsTlsFromEnv();
  const dmsPod = process.env.XPUFLOW_DMS_POD ? parseDmsPodLayout(process.env.XPUFLOW_DMS_POD) : undefined;
  const { settings, connection, dataConverter } = await connectWorkerProcess(async (s) => {
    const client = await connectClient(s);
    await requireSearchAttributes(client);
    await client.connection.close();
  });
  const bfbCacheDir =
    opts.bfbCacheDir ?? process.env.XPUFLOW_BFB_CACHE ?? path.resolve('.xpuflow', 'bfb-cache');
  const listen = process.env.XPUFLOW_IMAGE_SERVER;
  const imageServer = listen
    ? await startBfbWithCfgServer({ cacheDir: bfbCacheDir, ...imageServerListen(listen) })
    : undefined;
  const imageServerUrl = process.env.XPUFLOW_IMAGE_SERVER_URL || imageServer?.url;
  const worker = await createControlWorker({
    connection,
    namespace: settings.namespace,
    bfbCacheDir,
    maxConcurrentTransfers: process.env.XPUFLOW_MAX_TRANSFERS
      ? Number(process.env.XPUFLOW_MAX_TRANSFERS)
      : undefined,
    kubeConfig: kubeConfigFromEnv(),
    dataConverter,
    dmsTls,
    dmsPod,
    tuning,
    ...(imageServerUrl ? { imageServerUrl } : {}),
  });
  console.log(
    `control worker polling xpuflow-control on ${settings.address} (namespace ${settings.namespace}); tuning ${JSON.stringify(tuning)}; ` +
      `memory: ${processMemoryInEffect(heapGrowingPercent)}`,
  );
  if (imageServer) console.log(`image server (BFB + bf.cfg for BMCs) on ${imageServer.url}`);
  await runUntilShutdown(connection, [worker]);
  await imageServer?.close();
}

if (require.main === module) {
  runWorkerMain('control worker', () =>
    runControlWorker({
      bfbCacheDir: flagValue(process.argv, '--bfb-cache'),
      metricsAddress: flagValue(process.argv, '--metrics'),
      tuning: tuningFrom(tuningFlags(process.argv)),
      heapGrowingPercent: heapGrowingPercentFrom(flagValue(process.argv, HEAP_GROWING_FLAG)),
    }),
  );
}
