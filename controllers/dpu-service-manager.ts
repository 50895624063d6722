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
import { customInformer, run, unservedKinds, unservedMessage, type Informer } from './informers';
import { WorkQueue } from './work-queue';

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
    opts.log ?? ((l: string) => console.log(JSON.stringify({ component: 'dpuservice-controller', msg: l })));
  const ns = opts.namespace;
  const missing = await unservedKinds(opts.kc, ['DPUService'], ns);
  if (missing.length) {
    log(unservedMessage(missing));
    return { stop: async () => undefined };
  }
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
  const queue = new WorkQueue(
    (key) => ctl.reconcile(...(key.split('/') as [string, string])),
    (key, err) => log(`reconcile of DPUService ${key} failed (will retry): ${(err as Error).message}`),
  );
  const keyOf = (o: k8s.KubernetesObject) => `${o.metadata?.namespace ?? ns}/${o.metadata?.name}`;
  for (const ev of ['add', 'update', 'delete'] as const) {
    services.on(ev, (s) => queue.add(keyOf(s)));
    clusters.on(ev, () => services.list(ns).forEach((s) => queue.add(keyOf(s))));
  }
  let stopped = false;
  const informers: Array<[Informer<k8s.KubernetesObject>, string]> = [
    [clusters as unknown as Informer<k8s.KubernetesObject>, 'dpuclusters (for dpuservices)'],
    [services as unknown as Informer<k8s.KubernetesObject>, 'dpuservices'],
  ];
  for (const [inf, name] of informers) await run(inf, name, log, () => stopped);
  queue.start();
  log(`watching DPUServices in namespace ${ns}`);
  return {
    async stop() {
      stopped = true;
      queue.stop();
      await Promise.all(informers.map(([inf]) => inf.stop()));
    },
  };
}
