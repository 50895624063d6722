/**
 * The controller manager: informers for DPUs, DPUSets, BFBs, DPUFlavors and
 * Nodes, and one work queue per controller. Changes to a BFB, flavor or node
 * requeue the objects that name them, so a DPU waiting for its BFB starts as
 * soon as the BFB exists.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import {
  DPUSET_LABEL,
  type BfbResource,
  type DpuClusterResource,
  type DpuFlavorResource,
  type DpuResource,
  type DpuSetResource,
} from '../model/resources/common';
import type { ProvisionTiming } from '../model/dpu';
import { startChainControllers } from './service-chain-manager';
import { startCredentialController } from './credential-manager';
import { DpuController } from './dpu-controller';
import { DpuClusterController } from './dpu-cluster-controller';
import { DpuSetController } from './dpuset-controller';
import { startDpuServiceControllers } from './dpu-service-manager';
import { customInformer, nodeInformer, run, type Informer } from './informers';
import { WorkQueue } from './work-queue';

export interface ControllerOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  /** The namespace whose xpuflow objects are watched. */
  namespace: string;
  /** DMS of the n-th DPU a node reports listens on dmsBasePort + n (default 9339). */
  dmsBasePort?: number;
  dmsImage?: string;
  /** Base of links to runs in the Temporal UI, e.g. `http://localhost:8233/namespaces/default/workflows/`. */
  workflowUrlBase?: string;
  timing?: Partial<ProvisionTiming>;
  readyTimeoutSeconds?: number;
  /** How long a rollout waits for one DPU to settle (default 2 h). */
  settleTimeoutSeconds?: number;
  log?: (line: string) => void;
}

export interface RunningControllers {
  stop(): Promise<void>;
}

export async function startControllers(opts: ControllerOptions): Promise<RunningControllers> {
  const log = opts.log ?? ((l: string) => console.log(JSON.stringify({ component: 'controller', msg: l })));
  const kube = new Kube(opts.kc);
  const ns = opts.namespace;
  const dpus = customInformer<DpuResource & k8s.KubernetesObject>(opts.kc, 'DPU', ns);
  const sets = customInformer<DpuSetResource & k8s.KubernetesObject>(opts.kc, 'DPUSet', ns);
  const bfbs = customInformer<BfbResource & k8s.KubernetesObject>(opts.kc, 'BFB', ns);
  const flavors = customInformer<DpuFlavorResource & k8s.KubernetesObject>(opts.kc, 'DPUFlavor', ns);
  const clusters = customInformer<DpuClusterResource & k8s.KubernetesObject>(opts.kc, 'DPUCluster', ns);
  const nodes = nodeInformer(opts.kc);
  const workflowUrl = (id: string) =>
    opts.workflowUrlBase ? `${opts.workflowUrlBase}${encodeURIComponent(id)}` : undefined;

  const dpuCtl = new DpuController(
    kube,
    opts.temporal,
    {
      dpu: (n, name) => dpus.get(name, n) as DpuResource | undefined,
      bfb: (n, name) => bfbs.get(name, n) as BfbResource | undefined,
      flavor: (n, name) => flavors.get(name, n) as DpuFlavorResource | undefined,
      node: (name) => nodes.get(name),
    },
    {
      dmsBasePort: opts.dmsBasePort ?? 9339,
      dmsImage: opts.dmsImage ?? 'ghcr.io/xpuflow/dms:latest',
      workflowUrl,
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.readyTimeoutSeconds ? { readyTimeoutSeconds: opts.readyTimeoutSeconds } : {}),
    },
  );
  const setCtl = new DpuSetController(
    kube,
    opts.temporal,
    {
      set: (n, name) => sets.get(name, n) as DpuSetResource | undefined,
      dpus: (n) => dpus.list(n) as DpuResource[],
      bfb: (n, name) => bfbs.get(name, n) as BfbResource | undefined,
      nodes: () => [...nodes.list()],
    },
    { settleTimeoutSeconds: opts.settleTimeoutSeconds ?? 7200, workflowUrl },
  );

  const split = (key: string) => key.split('/') as [string, string];
  const dpuQueue = new WorkQueue(
    (key) => dpuCtl.reconcile(...split(key)),
    (key, err) => log(`reconcile of DPU ${key} failed (will retry): ${(err as Error).message}`),
  );
  const setQueue = new WorkQueue(
    (key) => setCtl.reconcile(...split(key)),
    (key, err) => log(`reconcile of DPUSet ${key} failed (will retry): ${(err as Error).message}`),
  );
  const clusterCtl = new DpuClusterController(
    kube,
    (n, name) => clusters.get(name, n) as DpuClusterResource | undefined,
  );
  const clusterQueue = new WorkQueue(
    (key) => clusterCtl.reconcile(...split(key)),
    (key, err) => log(`reconcile of DPUCluster ${key} failed (will retry): ${(err as Error).message}`),
  );
  const keyOf = (o: k8s.KubernetesObject) => `${o.metadata?.namespace ?? ns}/${o.metadata?.name}`;
  const allSets = () => sets.list(ns).forEach((s) => setQueue.add(keyOf(s)));

  const onDpu = (d: k8s.KubernetesObject) => {
    dpuQueue.add(keyOf(d));
    const owner = d.metadata?.labels?.[DPUSET_LABEL];
    if (owner) setQueue.add(`${d.metadata?.namespace ?? ns}/${owner}`);
  };
  for (const ev of ['add', 'update', 'delete'] as const) {
    dpus.on(ev, onDpu);
    sets.on(ev, (s) => setQueue.add(keyOf(s)));
    clusters.on(ev, (c) => clusterQueue.add(keyOf(c)));
    bfbs.on(ev, (b) => {
      for (const d of dpus.list(ns) as DpuResource[])
        if (d.spec.bfb === b.metadata?.name) dpuQueue.add(keyOf(d as k8s.KubernetesObject));
      allSets();
    });
    flavors.on(ev, (f) => {
      for (const d of dpus.list(ns) as DpuResource[])
        if (d.spec.flavor === f.metadata?.name) dpuQueue.add(keyOf(d as k8s.KubernetesObject));
    });
    nodes.on(ev, (n) => {
      for (const d of dpus.list(ns) as DpuResource[])
        if (d.spec.nodeName === n.metadata?.name) dpuQueue.add(keyOf(d as k8s.KubernetesObject));
      allSets();
    });
  }

  let stopped = false;
  const isStopped = () => stopped;
  const informers: Array<[Informer<k8s.KubernetesObject>, string]> = [
    [nodes as unknown as Informer<k8s.KubernetesObject>, 'nodes'],
    [bfbs as unknown as Informer<k8s.KubernetesObject>, 'bfbs'],
    [flavors as unknown as Informer<k8s.KubernetesObject>, 'dpuflavors'],
    [dpus as unknown as Informer<k8s.KubernetesObject>, 'dpus'],
    [sets as unknown as Informer<k8s.KubernetesObject>, 'dpusets'],
    [clusters as unknown as Informer<k8s.KubernetesObject>, 'dpuclusters'],
  ];
  for (const [inf, name] of informers) await run(inf, name, log, isStopped);
  const credentials = await startCredentialController({ ...opts, log });
  dpuQueue.start();
  setQueue.start();
  clusterQueue.start();
  // Reachability changes without an event: look again every minute.
  const recheck = setInterval(() => clusters.list(ns).forEach((c) => clusterQueue.add(keyOf(c))), 60_000);
  recheck.unref();
  const chainControllers = await startChainControllers({ ...opts, log });
  const dpuServices = await startDpuServiceControllers({
    kc: opts.kc,
    temporal: opts.temporal,
    namespace: ns,
    log,
    ...(opts.workflowUrlBase ? { workflowUrlBase: opts.workflowUrlBase } : {}),
  });
  log(`watching xpuflow objects in namespace ${ns}`);

  return {
    async stop() {
      stopped = true;
      clearInterval(recheck);
      dpuQueue.stop();
      setQueue.stop();
      clusterQueue.stop();
      await chainControllers.stop();
      await credentials.stop();
      await dpuServices.stop();
      await Promise.all(informers.map(([inf]) => inf.stop()));
    },
  };
}
