/**
 * A DpuSetController over fakes, for unit tests of what it creates: the Kube
 * client records the DPUs it creates and the Events it writes (a delete fails
 * the test), the informer caches serve the given DPUSet, Nodes, DPUDevices,
 * DPUDiscovery and flavors, and Temporal is not reachable (`{} as Client`: a
 * rollout start would throw).
 */
import type * as k8s from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { DpuSetController } from '../../controllers/dpuset-controller';
import type { Kube } from '../../platform/kube/client';
import type { DpuFlavorResource, DpuResource, DpuSetResource } from '../../model/resources/common';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../../model/resources/dpu-discovery';

/** A DPUDevice that BMC discovery `discovery` found, with its status filled in (override with `status`). */
export function discoveredDevice(
  d: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    bmc: { ip: string; port: number; certSha256: string };
    pciAddress: string;
    node: string;
    discovery: string;
  },
  status: Partial<NonNullable<DpuDeviceResource['status']>> = {},
): DpuDeviceResource {
  return {
    apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
    kind: 'DPUDevice',
    metadata: { name: d.name, namespace: d.namespace, labels: d.labels },
    spec: { serialNumber: d.name.toUpperCase(), bmcIp: d.bmc.ip, bmcPort: d.bmc.port },
    status: {
      bmcIp: d.bmc.ip,
      bmcPort: d.bmc.port,
      pciAddress: d.pciAddress,
      dpuNode: d.node,
      bmcCertSha256: d.bmc.certSha256,
      discovery: d.discovery,
      ...status,
    },
  };
}

export function fakeDpuSetController(opts: {
  set: DpuSetResource;
  nodes?: k8s.V1Node[];
  devices: DpuDeviceResource[];
  /** Served under its own name; absent: every DPUDiscovery is gone. */
  discovery?: DpuDiscoveryResource;
  flavor?: (namespace: string, name: string) => DpuFlavorResource | undefined;
}) {
  const dpus: DpuResource[] = [];
  const events: string[] = [];
  const kube = {
    create: (_kind: string, _ns: string, body: DpuResource) => {
      dpus.push(body);
      return Promise.resolve(body);
    },
    delete: (_kind: string, ref: { name: string }) =>
      Promise.reject(new Error(`unexpected delete of ${ref.name}`)),
    patchStatus: () => Promise.resolve({}),
    event: (_o: unknown, type: string, reason: string, message: string) => {
      events.push(`${type} ${reason} ${message}`);
      return Promise.resolve();
    },
  } as unknown as Kube;
  const ctl = new DpuSetController(
    kube,
    {} as Client,
    {
      set: () => opts.set,
      dpus: () => dpus,
      bfb: () => ({ metadata: { name: 'bfb-1' } }) as never,
      nodes: () => opts.nodes ?? [],
      devices: () => opts.devices,
      discovery: (_n, name) =>
        opts.discovery && name === opts.discovery.metadata.name ? opts.discovery : undefined,
      flavor: opts.flavor ?? (() => undefined),
    },
    { settleTimeoutSeconds: 60, workflowUrl: () => undefined },
  );
  return { ctl, dpus, events };
}
