/**
 * The DPUDevices a DPUSet with a dpuDeviceSelector reads, handed from the
 * discovery controllers' informer (controllers/dpu-discovery-manager.ts) to
 * the DPUSet controller. Until that informer has synced (or when the
 * DPUDevice CRD is not served) the feed is not ready, and a set that selects
 * devices waits instead of reading "no devices" and deleting its DPUs. The
 * DPUDiscoveries come along: a DPU on the redfish path takes its BMC
 * credentials Secret from the discovery that found its device
 * (model/dpu-device-bmc.ts).
 */
import type { DpuDeviceResource, DpuDiscoveryResource } from '../model/resources/dpu-discovery';
import type { Trigger } from './controller-runner';

export class DpuDeviceFeed {
  private source?: (namespace: string) => DpuDeviceResource[];
  private discoverySource?: (namespace: string, name: string) => DpuDiscoveryResource | undefined;
  private readonly listeners: Array<() => void> = [];

  get ready(): boolean {
    return this.source !== undefined;
  }

  devices(namespace: string): DpuDeviceResource[] {
    return this.source?.(namespace) ?? [];
  }

  discovery(namespace: string, name: string): DpuDiscoveryResource | undefined {
    return this.discoverySource?.(namespace, name);
  }

  /** The informers have synced: devices and discoveries are read from them from now on, and every listener requeues. */
  attach(
    source: (namespace: string) => DpuDeviceResource[],
    discoveries?: (namespace: string, name: string) => DpuDiscoveryResource | undefined,
  ): void {
    this.source = source;
    this.discoverySource = discoveries;
    this.changed();
  }

  changed(): void {
    for (const l of this.listeners) l();
  }

  /** Queues `keys()` whenever a device changes (and once the feed becomes ready). */
  trigger(keys: () => Iterable<string>): Trigger {
    return {
      subscribe: (enqueue) => {
        this.listeners.push(() => {
          for (const key of keys()) enqueue(key);
        });
      },
    };
  }
}
