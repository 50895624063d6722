/**
 * The DPUService controller's own informers (DPUServices and DPUClusters of
 * one namespace) and work queue. A DPUCluster that comes, goes or changes
 * its labels requeues every DPUService of the namespace (its target set may
 * change).
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { DpuServiceResource } from '../model/resources/dpu-service';
import type { DpuClusterResource } from '../model/resources/common';
import { DpuServiceController } from './dpu-service-controller';
import { controllerRunner, objectKey, objectQueue, on, watched } from './controller-runner';
import { customInformer } from './informers';

export interface DpuServiceControllerOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  namespace: string;
  /** Base of links to runs in the Temporal UI. */
  workflowUrlBase?: string;
  /** How often a rollout looks at the Applications' health (default 5 s). */
  pollSeconds?: number;
  /** After a failed rollout, how long until it is tried again (default 60 s). */
  retrySeconds?: number;
  log?: (line: string) => void;
}

export interface RunningDpuServiceControllers {
  stop(): Promise<void>;
}

export async function startDpuServiceControllers(
  opts: DpuServiceControllerOptions,
): Promise<RunningDpuServiceControllers> {
  const log =
    opts.log ?? ((l: string) => console.log(JSON.stringify({ component: 'dpu-service-controller', msg: l })));
  const ns = opts.namespace;
  const services = customInformer<DpuServiceResource & k8s.KubernetesObject>(opts.kc, 'DPUService', ns);
  const clusters = customInformer<DpuClusterResource & k8s.KubernetesObject>(opts.kc, 'DPUCluster', ns);
  const ctl = new DpuServiceController(
    new Kube(opts.kc),
    opts.temporal,
    {
      service: (n, name) => services.get(name, n) as DpuServiceResource | undefined,
      clusters: (n) => clusters.list(n) as DpuClusterResource[],
    },
    {
      workflowUrl: (id) =>
        opts.workflowUrlBase ? `${opts.workflowUrlBase}${encodeURIComponent(id)}` : undefined,
      ...(opts.pollSeconds ? { pollSeconds: opts.pollSeconds } : {}),
      ...(opts.retrySeconds ? { retrySeconds: opts.retrySeconds } : {}),
    },
  );
  const keyOf = objectKey(ns);
  const runner = controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log,
    optionalCrds: ['DPUService'],
    informers: [watched(clusters, 'dpuclusters (for dpuservices)'), watched(services, 'dpuservices')],
    queues: [
      objectQueue('DPUService', services, ns, (n, name) => ctl.reconcile(n, name), [
        // A DPUCluster that comes, goes or changes its labels may change any service's targets.
        on(clusters, () => services.list(ns).map(keyOf)),
      ]),
    ],
    runningMessage: `watching DPUServices in namespace ${ns}`,
  });
  await runner.start();
  return runner;
}
