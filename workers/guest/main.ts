/**
 * Entry point of the guest side (`xpuflow worker guest`), deployed in a guest cluster:
 *   node dist/workers/guest/main.js --cluster NAME [--namespace NS]
 *   XPUFLOW_KUBECONFIG / KUBECONFIG / in-cluster   the guest cluster (its credentials only)
 *   XPUFLOW_GUEST_CLUSTER, XPUFLOW_WATCH_NAMESPACE   the flags' defaults
 * Temporal connection settings come from the environment (see platform/connection/temporal.ts).
 */
import { Client } from '@temporalio/client';
import { kubeConfigFromEnv } from '../../platform/kube/config';
import { connectWorkerProcess, flagValue, runWorkerMain } from '../worker-process';
import { startGuestSide } from './guest-side';

export async function runGuestSide(opts: { cluster?: string; namespace?: string }): Promise<void> {
  const cluster = opts.cluster ?? process.env.XPUFLOW_GUEST_CLUSTER;
  if (!cluster) throw new Error('say which guest cluster this is: --cluster NAME (or XPUFLOW_GUEST_CLUSTER)');
  const kc = kubeConfigFromEnv();
  if (!kc)
    throw new Error('no guest cluster configured: set XPUFLOW_KUBECONFIG (or KUBECONFIG), or run in a pod');
  const namespace =
    opts.namespace ??
    process.env.XPUFLOW_WATCH_NAMESPACE ??
    kc.getContextObject(kc.getCurrentContext())?.namespace ??
    'default';
  const { settings, connection, dataConverter } = await connectWorkerProcess();
  const temporal = new Client({
    connection,
    namespace: settings.namespace,
    ...(dataConverter ? { dataConverter } : {}),
  });
  const log = (msg: string) => console.log(JSON.stringify({ component: 'guest', cluster, msg }));
  const side = await startGuestSide({
    connection,
    namespace: settings.namespace,
    dataConverter,
    kc,
    temporal,
    cluster,
    watchNamespace: namespace,
    log,
  });
  const stop = () => void side.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await side.running;
  await connection.close();
}

if (require.main === module) {
  runWorkerMain('guest side', () =>
    runGuestSide({
      cluster: flagValue(process.argv, '--cluster'),
      namespace: flagValue(process.argv, '--namespace'),
    }),
  );
}
