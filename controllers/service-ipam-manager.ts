/**
 * Starts the service IPAM and DPUServiceNAD controllers of one namespace:
 * informers for DPUServiceIPAMs, DPUServiceInterfaces, DPUs,
 * DPUServiceNADs and DPUClusters, and two work queues keyed by object.
 * Every IPAM, interface or DPU change queues every IPAM of the namespace
 * (overlap is decided across IPAMs and an interface may switch IPAMs; they
 * are few), and every IPAM or DPUCluster change queues every NAD.
 *   XPUFLOW_IPAM_RESYNC_SECONDS  how often every IPAM and NAD is looked at again (default 30)
 */
import type * as k8s from '@kubernetes/client-node';
import { Kube } from '../platform/kube/client';
import type { DpuClusterResource, DpuResource } from '../model/resources/common';
import type { DpuServiceInterfaceResource } from '../model/resources/service-chain';
import type { DpuServiceIpamResource, DpuServiceNadResource } from '../model/resources/service-ipam';
import { IpamController } from './service-ipam-controller';
import { NadController } from './service-nad-controller';
import { controllerRunner, objectKey, objectQueue, on, watched } from './controller-runner';
import { customInformer } from './informers';

export interface IpamControllerOptions {
  kc: k8s.KubeConfig;
  namespace: string;
  log?: (line: string) => void;
  /** How often every IPAM and NAD is reconciled without an event (default $XPUFLOW_IPAM_RESYNC_SECONDS or 30). */
  resyncSeconds?: number;
}

export interface RunningIpamControllers {
  stop(): Promise<void>;
}

const envNumber = (name: string): number | undefined =>
  process.env[name] && Number(process.env[name]) > 0 ? Number(process.env[name]) : undefined;

export async function startIpamControllers(opts: IpamControllerOptions): Promise<RunningIpamControllers> {
  const log =
    opts.log ?? ((l: string) => console.log(JSON.stringify({ component: 'ipam-controller', msg: l })));
  const ns = opts.namespace;
  type Obj<T> = T & k8s.KubernetesObject;
  const ipams = customInformer<Obj<DpuServiceIpamResource>>(opts.kc, 'DPUServiceIPAM', ns);
  const interfaces = customInformer<Obj<DpuServiceInterfaceResource>>(opts.kc, 'DPUServiceInterface', ns);
  const dpus = customInformer<Obj<DpuResource>>(opts.kc, 'DPU', ns);
  const nads = customInformer<Obj<DpuServiceNadResource>>(opts.kc, 'DPUServiceNAD', ns);
  const clusters = customInformer<Obj<DpuClusterResource>>(opts.kc, 'DPUCluster', ns);
  const kube = new Kube(opts.kc);
  const ipamCtl = new IpamController(
    kube,
    {
      ipams: (n) => ipams.list(n) as DpuServiceIpamResource[],
      interfaces: (n) => interfaces.list(n) as DpuServiceInterfaceResource[],
      dpus: (n) => dpus.list(n) as DpuResource[],
    },
    log,
  );
  const nadCtl = new NadController(
    kube,
    {
      nad: (n, name) => nads.get(name, n),
      ipam: (n, name) => ipams.get(name, n),
      clusters: (n) => clusters.list(n) as DpuClusterResource[],
    },
    log,
  );
  const keyOf = objectKey(ns);
  // Every IPAM, and the ones interfaces name that do not exist (their interfaces are told so).
  const allIpams = () => [
    ...new Set([
      ...ipams.list(ns).map(keyOf),
      ...(interfaces.list(ns) as DpuServiceInterfaceResource[]).flatMap((i) =>
        i.spec?.ipam?.name ? [`${ns}/${i.spec.ipam.name}`] : [],
      ),
    ]),
  ];
  const allNads = () => nads.list(ns).map(keyOf);
  const resyncMs = (opts.resyncSeconds ?? envNumber('XPUFLOW_IPAM_RESYNC_SECONDS') ?? 30) * 1000;
  const runner = controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log,
    optionalCrds: ['DPUServiceIPAM', 'DPUServiceNAD', 'DPUServiceInterface'],
    informers: [
      watched(dpus, 'dpus (ipam)'),
      watched(clusters, 'dpuclusters (nad)'),
      watched(interfaces, 'dpuserviceinterfaces (ipam)'),
      watched(ipams, 'dpuserviceipams'),
      watched(nads, 'dpuservicenads'),
    ],
    queues: [
      {
        ...objectQueue('DPUServiceIPAM', ipams, ns, (n, name) => ipamCtl.reconcile(n, name), [
          on(ipams, allIpams),
          on(interfaces, allIpams),
          on(dpus, allIpams),
        ]),
        initial: allIpams,
        requeue: { everyMs: resyncMs, keys: allIpams },
      },
      {
        ...objectQueue('DPUServiceNAD', nads, ns, (n, name) => nadCtl.reconcile(n, name), [
          on(ipams, allNads),
          on(clusters, allNads),
        ]),
        requeue: { everyMs: resyncMs, keys: allNads },
      },
    ],
  });
  await runner.start();
  return runner;
}
