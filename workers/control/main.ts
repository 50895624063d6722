/**
 * Entry point of the control worker process.
 *   node dist/workers/control/main.js [--bfb-cache DIR]
 * XPUFLOW_MAX_TRANSFERS bounds the BFB transfers to DMS it runs at once (default 16).
 * XPUFLOW_KUBECONFIG (or KUBECONFIG, or the pod's service account) names the cluster of DPU objects.
 * Temporal connection settings come from the environment (see connection/temporal.ts).
 */
import path from 'node:path';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { requireSearchAttributes } from '../../platform/connection/search-attributes-check';
import { dmsTlsFromEnv } from '../../platform/connection/dms-tls';
import { connectClient, connectWorker, temporalSettings } from '../../platform/connection/temporal';
import { kubeConfigFromEnv } from '../../platform/kube/config';
import { installWorkerRuntime } from '../../platform/observability/runtime';
import { createControlWorker } from './worker';

export async function runControlWorker(
  opts: { bfbCacheDir?: string; metricsAddress?: string } = {},
): Promise<void> {
  installWorkerRuntime({ component: 'control-worker', metricsAddress: opts.metricsAddress });
  const settings = temporalSettings();
  const dataConverter = codecDataConverter();
  const dmsTls = dmsTlsFromEnv();
  const client = await connectClient(settings);
  await requireSearchAttributes(client);
  await client.connection.close();
  const connection = await connectWorker(settings);
  const bfbCacheDir =
    opts.bfbCacheDir ?? process.env.XPUFLOW_BFB_CACHE ?? path.resolve('.xpuflow', 'bfb-cache');
  const maxConcurrentTransfers = process.env.XPUFLOW_MAX_TRANSFERS
    ? Number(process.env.XPUFLOW_MAX_TRANSFERS)
    : undefined;
  const worker = await createControlWorker({
    connection,
    namespace: settings.namespace,
    bfbCacheDir,
    maxConcurrentTransfers,
    kubeConfig: kubeConfigFromEnv(),
    dataConverter,
    dmsTls,
  });
  console.log(
    `control worker polling xpuflow-control on ${settings.address} (namespace ${settings.namespace})`,
  );
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight work is handed back
  await connection.close();
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  runControlWorker({ bfbCacheDir: arg('--bfb-cache'), metricsAddress: arg('--metrics') }).catch((err) => {
    console.error(`control worker: ${(err as Error).message}`);
    process.exit(1);
  });
}
