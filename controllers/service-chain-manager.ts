/**
 * Starts the service-chain controller: informers for DPUServiceInterfaces,
 * DPUServiceChains and DPUs of one namespace, one work queue keyed by the
 * namespace (every change replans every DPU of it: plans are cheap and a
 * chain touches many DPUs), and a timer that refreshes status from the
 * workflows.
 *   XPUFLOW_CHAIN_INTERVAL_SECONDS         the workflows' reconcile interval (default 30)
 *   XPUFLOW_CHAIN_STATUS_INTERVAL_SECONDS  how often status is refreshed (default 5)
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { DpuServiceChainResource, DpuServiceInterfaceResource } from '../model/resources/service-chain';
import type { DpuResource } from '../model/resources/common';
import { ChainController } from './service-chain-controller';
import { controllerRunner, on, watched } from './controller-runner';
import { customInformer } from './informers';

export interface ChainControllerOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  namespace: string;
  log?: (line: string) => void;
  /** The workflows' reconcile interval in seconds (default $XPUFLOW_CHAIN_INTERVAL_SECONDS or 30). */
  chainIntervalSeconds?: number;
  /** How often status is refreshed from the workflows, in seconds (default 5). */
  chainStatusIntervalSeconds?: number;
  /** How long a DPU worker may take to pick a reconcile up (default 30 s). */
  chainScheduleToStartSeconds?: number;
}

export interface RunningChainControllers {
  stop(): Promise<void>;
}

const envNumber = (name: string): number | undefined =>
  process.env[name] && Number(process.env[name]) > 0 ? Number(process.env[name]) : undefined;

export async function startChainControllers(opts: ChainControllerOptions): Promise<RunningChainControllers> {
  const log =
    opts.log ?? ((l: string) => console.log(JSON.stringify({ component: 'chain-controller', msg: l })));
  const ns = opts.namespace;
  type Obj<T> = T & k8s.KubernetesObject;
  const interfaces = customInformer<Obj<DpuServiceInterfaceResource>>(opts.kc, 'DPUServiceInterface', ns);
  const chains = customInformer<Obj<DpuServiceChainResource>>(opts.kc, 'DPUServiceChain', ns);
  const dpus = customInformer<Obj<DpuResource>>(opts.kc, 'DPU', ns);
  const ctl = new ChainController(
    new Kube(opts.kc),
    opts.temporal,
    {
      interfaces: (n) => interfaces.list(n) as DpuServiceInterfaceResource[],
      chains: (n) => chains.list(n) as DpuServiceChainResource[],
      dpus: (n) => dpus.list(n) as DpuResource[],
    },
    {
      intervalSeconds: opts.chainIntervalSeconds ?? envNumber('XPUFLOW_CHAIN_INTERVAL_SECONDS') ?? 30,
      scheduleToStartSeconds: opts.chainScheduleToStartSeconds ?? 30,
    },
    log,
  );
  const statusEvery =
    (opts.chainStatusIntervalSeconds ?? envNumber('XPUFLOW_CHAIN_STATUS_INTERVAL_SECONDS') ?? 5) * 1000;
  const theNamespace = () => [ns];
  const runner = controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log,
    optionalCrds: ['DPUServiceInterface', 'DPUServiceChain'],
    informers: [
      watched(dpus, 'dpus (chains)'),
      watched(interfaces, 'dpuserviceinterfaces'),
      watched(chains, 'dpuservicechains'),
    ],
    queues: [
      {
        subject: (key) => `service chains in ${key}`,
        reconcile: (key) => ctl.reconcile(key),
        triggers: [on(interfaces, theNamespace), on(chains, theNamespace), on(dpus, theNamespace)],
        initial: theNamespace,
        requeue: { everyMs: statusEvery, keys: theNamespace },
      },
    ],
  });
  await runner.start();
  return runner;
}
