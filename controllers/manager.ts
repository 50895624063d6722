/**
 * The controller manager: informers for DPUs, DPUSets, BFBs, DPUFlavors,
 * DPUClusters and Nodes, and one work queue per controller (declared for
 * controller-runner.ts). Changes to a BFB, flavor or node requeue the objects
 * that name them, so a DPU waiting for its BFB starts as soon as the BFB
 * exists. The credential, service-chain and DPUService controllers start
 * after these, each with its own informers.
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
import { startIpamControllers } from './service-ipam-manager';
import { startCredentialController } from './credential-manager';
import { DpuController } from './dpu-controller';
import { DpuClusterController } from './dpu-cluster-controller';
import { DpuSetController } from './dpuset-controller';
import { startDpuServiceControllers } from './dpu-service-manager';
import { startDpuDiscoveryController } from './dpu-discovery-manager';
import { startDpuDeploymentController } from './dpu-deployment-manager';
import { DpuDeviceFeed } from './dpu-device-feed';
import { clusterKeysOfDpu } from './dpu-cluster-requeue';
import {
  controllerRunner,
  objectKey,
  objectQueue,
  on,
  watched,
  type ControllerRunner,
} from './controller-runner';
import { customInformer, nodeInformer } from './informers';

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
  /** How long one BMC probe of a discovery scan may take (default 5 s). */
  bmcProbeTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningControllers {
  stop(): Promise<void>;
}

export async function startControllers(opts: ControllerOptions): Promise<RunningControllers> {
  const log = opts.log ?? ((l: string) => console.log(JSON.stringify({ component: 'controller', msg: l })));
  const ns = opts.namespace;
  const devices = new DpuDeviceFeed();
  const core = coreRunner(opts, log, devices);
  await core.start();
  const credentials = await startCredentialController({ ...opts, log });
  const chainControllers = await startChainControllers({ ...opts, log });
  const ipamControllers = await startIpamControllers({ kc: opts.kc, namespace: ns, log });
  const dpuServices = await startDpuServiceControllers({
    kc: opts.kc,
    temporal: opts.temporal,
    namespace: ns,
    log,
    ...(opts.workflowUrlBase ? { workflowUrlBase: opts.workflowUrlBase } : {}),
  });
  const discovery = await startDpuDiscoveryController({
    kc: opts.kc,
    temporal: opts.temporal,
    namespace: ns,
    devices,
    log,
    ...(opts.workflowUrlBase ? { workflowUrlBase: opts.workflowUrlBase } : {}),
    ...(opts.bmcProbeTimeoutMs ? { probeTimeoutMs: opts.bmcProbeTimeoutMs } : {}),
  });
  const deployments = await startDpuDeploymentController({
    kc: opts.kc,
    temporal: opts.temporal,
    namespace: ns,
    log,
  });
  log(`watching xpuflow objects in namespace ${ns}`);

  return {
    async stop() {
      await core.stop();
      await chainControllers.stop();
      await ipamControllers.stop();
      await credentials.stop();
      await dpuServices.stop();
      await discovery.stop();
      await deployments.stop();
    },
  };
}

function coreInformers(kc: k8s.KubeConfig, ns: string) {
  return {
    dpus: customInformer<DpuResource & k8s.KubernetesObject>(kc, 'DPU', ns),
    sets: customInformer<DpuSetResource & k8s.KubernetesObject>(kc, 'DPUSet', ns),
    bfbs: customInformer<BfbResource & k8s.KubernetesObject>(kc, 'BFB', ns),
    flavors: customInformer<DpuFlavorResource & k8s.KubernetesObject>(kc, 'DPUFlavor', ns),
    clusters: customInformer<DpuClusterResource & k8s.KubernetesObject>(kc, 'DPUCluster', ns),
    nodes: nodeInformer(kc),
  };
}

function coreControllers(
  opts: ControllerOptions,
  inf: ReturnType<typeof coreInformers>,
  devices: DpuDeviceFeed,
) {
  const kube = new Kube(opts.kc);
  const workflowUrl = (id: string) =>
    opts.workflowUrlBase ? `${opts.workflowUrlBase}${encodeURIComponent(id)}` : undefined;
  const dpu = new DpuController(
    kube,
    opts.temporal,
    {
      dpu: (n, name) => inf.dpus.get(name, n),
      bfb: (n, name) => inf.bfbs.get(name, n),
      flavor: (n, name) => inf.flavors.get(name, n),
      node: (name) => inf.nodes.get(name),
      cluster: (n, name) => inf.clusters.get(name, n),
      dpus: (n) => [...inf.dpus.list(n)],
    },
    {
      dmsBasePort: opts.dmsBasePort ?? 9339,
      // Empty: the image of the control worker's DMS pod layout (chart value dms.image).
      dmsImage: opts.dmsImage ?? '',
      workflowUrl,
      ...(opts.timing ? { timing: opts.timing } : {}),
      ...(opts.readyTimeoutSeconds ? { readyTimeoutSeconds: opts.readyTimeoutSeconds } : {}),
    },
  );
  const set = new DpuSetController(
    kube,
    opts.temporal,
    {
      set: (n, name) => inf.sets.get(name, n),
      dpus: (n) => [...inf.dpus.list(n)],
      bfb: (n, name) => inf.bfbs.get(name, n),
      nodes: () => [...inf.nodes.list()],
      devices: (n) => (devices.ready ? devices.devices(n) : undefined),
      discovery: (n, name) => devices.discovery(n, name),
      flavor: (n, name) => inf.flavors.get(name, n),
    },
    { settleTimeoutSeconds: opts.settleTimeoutSeconds ?? 7200, workflowUrl },
  );
  const cluster = new DpuClusterController(kube, opts.temporal, {
    cluster: (n, name) => inf.clusters.get(name, n),
    dpus: (n) => [...inf.dpus.list(n)],
  });
  return { dpu, set, cluster };
}

/** The DPU, DPUSet and DPUCluster controllers: their informers and one work queue each. */
function coreRunner(
  opts: ControllerOptions,
  log: (line: string) => void,
  devices: DpuDeviceFeed,
): ControllerRunner {
  const ns = opts.namespace;
  const inf = coreInformers(opts.kc, ns);
  const ctl = coreControllers(opts, inf, devices);
  const keyOf = objectKey(ns);
  const dpusWhere = (match: (d: DpuResource) => boolean) => inf.dpus.list(ns).filter(match).map(keyOf);
  const allSets = () => inf.sets.list(ns).map(keyOf);
  return controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log,
    informers: [
      watched(inf.nodes, 'nodes'),
      watched(inf.bfbs, 'bfbs'),
      watched(inf.flavors, 'dpuflavors'),
      watched(inf.dpus, 'dpus'),
      watched(inf.sets, 'dpusets'),
      watched(inf.clusters, 'dpuclusters'),
    ],
    queues: [
      // A DPU waiting for its BFB, flavor or node starts as soon as that exists.
      objectQueue('DPU', inf.dpus, ns, (n, name) => ctl.dpu.reconcile(n, name), [
        on(inf.bfbs, (b) => dpusWhere((d) => d.spec.bfb === b.metadata?.name)),
        on(inf.flavors, (f) => dpusWhere((d) => d.spec.flavor === f.metadata?.name)),
        on(inf.nodes, (node) => dpusWhere((d) => d.spec.nodeName === node.metadata?.name)),
        // maxNodes: a DPU waiting for a seat looks again when its cluster changes or a DPU in it goes.
        on(inf.clusters, (c) => dpusWhere((d) => d.spec.cluster?.name === c.metadata?.name)),
        on(inf.dpus, (g) =>
          g.spec.cluster ? dpusWhere((d) => d.spec.cluster?.name === g.spec.cluster?.name) : [],
        ),
      ]),
      objectQueue('DPUSet', inf.sets, ns, (n, name) => ctl.set.reconcile(n, name), [
        on(inf.dpus, (d) => {
          const owner = d.metadata?.labels?.[DPUSET_LABEL];
          return owner ? [`${d.metadata?.namespace ?? ns}/${owner}`] : [];
        }),
        on(inf.bfbs, allSets),
        // A flavor's installPath decides whether a set's new DPUs carry their device's BMC.
        on(inf.flavors, allSets),
        on(inf.nodes, allSets),
        // Discovery adds, changes or marks DPUDevices: the sets that select devices look again.
        devices.trigger(() =>
          inf.sets
            .list(ns)
            .filter((s) => s.spec.dpuDeviceSelector)
            .map(keyOf),
        ),
      ]),
      {
        // A DPU naming a cluster that is being deleted comes or goes: a deletion it blocked may go on.
        ...objectQueue('DPUCluster', inf.clusters, ns, (n, name) => ctl.cluster.reconcile(n, name), [
          on(
            inf.dpus,
            clusterKeysOfDpu((n, name) => inf.clusters.get(name, n), ns),
          ),
        ]),
        // Reachability changes without an event: look again every minute.
        requeue: { everyMs: 60_000, keys: () => inf.clusters.list(ns).map(keyOf) },
      },
    ],
  });
}
