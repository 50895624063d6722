/**
 * The DPUDiscovery controller's informers (DPUDiscoveries and DPUDevices of
 * one namespace) and work queue; the DPUDevice informer also feeds DPUSets
 * that select devices (controllers/dpu-device-feed.ts). The manager
 * (controllers/manager.ts) starts it after the core controllers; a cluster
 * without these CRDs keeps every other controller running.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { Kube } from '../platform/kube/client';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../model/resources/dpu-discovery';
import { DpuDiscoveryController } from './dpu-discovery-controller';
import type { DpuDeviceFeed } from './dpu-device-feed';
import { controllerRunner, objectQueue, watched } from './controller-runner';
import { customInformer, unservedKinds, unservedMessage } from './informers';

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
    informers: [watched(devices, 'dpudevices'), watched(discoveries, 'dpudiscoveries')],
    queues: [objectQueue('DPUDiscovery', discoveries, ns, (n, name) => ctl.reconcile(n, name))],
    runningMessage: `watching DPUDiscoveries in namespace ${ns}`,
  });
  await runner.start();
  opts.devices.attach(
    (n) => devices.list(n) as DpuDeviceResource[],
    (n, name) => discoveries.get(name, n) as DpuDiscoveryResource | undefined,
  );
  return runner;
}
