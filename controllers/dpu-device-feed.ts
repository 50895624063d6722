/**
 * The DPUDevices a DPUSet with a dpuDeviceSelector reads, handed from the
 * discovery controllers' informer (controllers/dpu-discovery-manager.ts) to
 * the DPUSet controller. Until that informer has synced (or when the
 * DPUDevice CRD is not served) the feed is not ready, and a set that selects
 * devices waits instead of reading "no devices" and deleting its DPUs.
 */
import type { DpuDeviceResource } from '../model/resources/dpu-discovery';
import type { Trigger } from './controller-runner';

export class DpuDeviceFeed {
  private source?: (namespace: string) => DpuDeviceResource[];
  private readonly listeners: Array<() => void> = [];

  get ready(): boolean {
    return this.source !== undefined;
  }

  devices(namespace: string): DpuDeviceResource[] {
    return this.source?.(namespace) ?? [];
  }

  /** The informer has synced: devices are read from it from now on, and every listener requeues. */
  attach(source: (namespace: string) => DpuDeviceResource[]): void {
    this.source = source;
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
