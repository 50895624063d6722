/** `xpuflow controller`: every Kubernetes controller of xpuflow in the foreground. */
import { Command } from 'commander';
import { runControllers } from '../controllers/main';

export function controllerCommand(): Command {
  return new Command('controller')
    .description(
      'run the controllers (DPU, DPUSet, DPUCluster, DPUService, DPUServiceCredentialRequest,\n' +
        'DPUServiceInterface and DPUServiceChain): watch provisioning.xpuflow.dev objects and drive\n' +
        'their workflows; the DPUService, credential and chain controllers stay off, and say so,\n' +
        'when their CRDs are not installed.\n' +
        'Cluster from XPUFLOW_KUBECONFIG, KUBECONFIG or the pod; DMS pods from XPUFLOW_DMS_IMAGE and\n' +
        'XPUFLOW_DMS_BASE_PORT (default 9339; the n-th DPU of a node listens on base + n).',
    )
    .option(
      '--namespace <ns>',
      'namespace to watch (default $XPUFLOW_WATCH_NAMESPACE, else the kubeconfig context, else default)',
    )
    .action(async (o: { namespace?: string }) =>
      runControllers(o.namespace ? { namespace: o.namespace } : {}),
    );
}
