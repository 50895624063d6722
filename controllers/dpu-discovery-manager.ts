/**
 * The DPUDiscovery controller's informers (DPUDiscoveries and DPUDevices of
 * one namespace, and Nodes) and work queues; the DPUDevice informer also
 * feeds DPUSets that select devices (controllers/dpu-device-feed.ts). A
 * Node whose node-discovery record now names the serial of a DPUDevice not
 * yet placed on a host makes its discovery scan at once, rather than at the
 * next interval (model/dpu-host-match.ts). The manager
 * (controllers/manager.ts) starts it after the core controllers; a cluster
 * without these CRDs keeps every other controller running.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../model/resources/dpu-discovery';
import { DpuDiscoveryController } from './dpu-discovery-controller';
import type { DpuDeviceFeed } from './dpu-device-feed';
import { controllerRunner, objectQueue, on, watched } from './controller-runner';
import { customInformer, nodeInformer, unservedKinds, unservedMessage } from './informers';
import { DISCOVERED_DEVICES_ANNOTATION, discoveriesToRescan } from '../model/dpu-host-match';

export interface DpuDiscoveryControllerOptions {
  kc: k8s.KubeConfig;
  temporal: Client;
  namespace: string;
  /** Base of links to runs in the Temporal UI (`…/namespaces/<ns>/workflows/`); schedules sit beside them. */
  workflowUrlBase?: string;
  /** How long one BMC probe may take (default 5 s). */
  probeTimeoutMs?: number;
  devices: DpuDeviceFeed;
  log: (line: string) => void;
}

export async function startDpuDiscoveryController(
  opts: DpuDiscoveryControllerOptions,
): Promise<{ stop(): Promise<void> }> {
  const ns = opts.namespace;
  // `helm upgrade` does not add new CRDs: without these, the other controllers still run, and the
  // device feed stays not ready (a DPUSet selecting devices waits rather than delete its DPUs).
  const missing = await unservedKinds(opts.kc, ['DPUDiscovery', 'DPUDevice', 'DPUNode'], ns);
  if (missing.length) {
    opts.log(unservedMessage(missing));
    return { stop: async () => undefined };
  }
  const discoveries = customInformer<DpuDiscoveryResource & k8s.KubernetesObject>(
    opts.kc,
    'DPUDiscovery',
    ns,
  );
  const devices = customInformer<DpuDeviceResource & k8s.KubernetesObject>(opts.kc, 'DPUDevice', ns);
  const nodes = nodeInformer(opts.kc);
  const record = (n: k8s.V1Node) => ({
    name: n.metadata?.name ?? '',
    annotation: n.metadata?.annotations?.[DISCOVERED_DEVICES_ANNOTATION],
  });
  const schedulesBase = opts.workflowUrlBase?.replace(/workflows\/$/, 'schedules/');
  const ctl = new DpuDiscoveryController(
    new Kube(opts.kc),
    opts.temporal,
    (n, name) => discoveries.get(name, n) as DpuDiscoveryResource | undefined,
    {
      scheduleUrl: (id) => (schedulesBase ? `${schedulesBase}${encodeURIComponent(id)}` : undefined),
      ...(opts.probeTimeoutMs ? { probeTimeoutMs: opts.probeTimeoutMs } : {}),
    },
  );
  // A DPUSet on the redfish path also reads the discovery's credentials Secret: both requeue its sets.
  for (const ev of ['add', 'update', 'delete'] as const) {
    devices.on(ev, () => opts.devices.changed());
    discoveries.on(ev, () => opts.devices.changed());
  }
  const runner = controllerRunner({
    kc: opts.kc,
    namespace: ns,
    log: opts.log,
    informers: [
      watched(devices, 'dpudevices'),
      watched(discoveries, 'dpudiscoveries'),
      watched(nodes, 'nodes'),
    ],
    queues: [
      objectQueue('DPUDiscovery', discoveries, ns, (n, name) => ctl.reconcile(n, name)),
      {
        subject: (key) => `rescan of DPUDiscovery ${key} for a host's new record`,
        reconcile: (key) => ctl.rescan(...(key.split('/') as [string, string])),
        triggers: [
          on(nodes, (n) =>
            discoveriesToRescan(record(n), devices.list(ns) as DpuDeviceResource[], () =>
              nodes.list().map(record),
            ).map((d) => `${ns}/${d}`),
          ),
        ],
      },
    ],
    runningMessage: `watching DPUDiscoveries in namespace ${ns}`,
  });
  await runner.start();
  opts.devices.attach(
    (n) => devices.list(n) as DpuDeviceResource[],
    (n, name) => discoveries.get(name, n) as DpuDiscoveryResource | undefined,
  );
  return runner;
}
