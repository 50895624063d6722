/**
 * Entry point of the controller process (`xpuflow controller`).
 *   XPUFLOW_KUBECONFIG / KUBECONFIG / in-cluster  the cluster of DPU objects
 *   XPUFLOW_WATCH_NAMESPACE                        namespace to watch (default: the kubeconfig's, else default)
 *   XPUFLOW_DMS_BASE_PORT, XPUFLOW_DMS_IMAGE       where DMS pods listen, and their image
 *   XPUFLOW_TIMING                                 JSON ProvisionTiming overrides (simulated fleets)
 * Temporal connection settings come from the environment (see platform/connection/temporal.ts).
 */
import { connectClient, temporalSettings } from '../platform/connection/temporal';
import { kubeConfigFromEnv } from '../platform/kube/config';
import { startControllers } from './manager';

export async function runControllers(opts: { namespace?: string } = {}): Promise<void> {
  const kc = kubeConfigFromEnv();
  if (!kc) {
    throw new Error(
      'no Kubernetes cluster configured: set XPUFLOW_KUBECONFIG (or KUBECONFIG), or run in a pod',
    );
  }
  const settings = temporalSettings();
  const temporal = await connectClient(settings);
  const namespace =
    opts.namespace ??
    process.env.XPUFLOW_WATCH_NAMESPACE ??
    kc.getContextObject(kc.getCurrentContext())?.namespace ??
    'default';
  const running = await startControllers({
    kc,
    temporal,
    namespace,
    ...(process.env.XPUFLOW_DMS_BASE_PORT ? { dmsBasePort: Number(process.env.XPUFLOW_DMS_BASE_PORT) } : {}),
    ...(process.env.XPUFLOW_DMS_IMAGE ? { dmsImage: process.env.XPUFLOW_DMS_IMAGE } : {}),
    ...(process.env.XPUFLOW_TIMING
      ? { timing: JSON.parse(process.env.XPUFLOW_TIMING) as Record<string, number> }
      : {}),
    ...(process.env.XPUFLOW_READY_TIMEOUT_SECONDS
      ? { readyTimeoutSeconds: Number(process.env.XPUFLOW_READY_TIMEOUT_SECONDS) }
      : {}),
    workflowUrlBase: `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/`,
  });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await running.stop();
  await temporal.connection.close();
}

if (require.main === module) {
  runControllers().catch((err) => {
    console.error(`controller: ${(err as Error).message}`);
    process.exit(1);
  });
}
