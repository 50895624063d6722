/**
 * ListAndWatch's health following: each kubelet stream gets the device list
 * when it opens and again whenever a poll finds the list or a VF's health
 * changed.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Device } from '../../proto/load-vf';
import type { PoolVf } from './pool';

type DeviceStream = grpc.ServerWritableStream<unknown, { devices: Device[] }>;

export function devicesOf(vfs: PoolVf[]): Device[] {
  return vfs.map((v) => ({ ID: v.pciAddress, health: v.healthy ? 'Healthy' : 'Unhealthy' }));
}

/** What a poll compares to tell whether the list or a VF's health changed. */
export function fingerprint(vfs: PoolVf[]): string {
  return JSON.stringify(devicesOf(vfs));
}

export class DeviceWatchers {
  private readonly streams = new Set<DeviceStream>();

  /** A ListAndWatch call: sends the devices now, and on every change until the kubelet hangs up. */
  watch(call: grpc.ServerWritableStream<unknown, unknown>, devices: Device[]): void {
    const stream = call as unknown as DeviceStream;
    this.streams.add(stream);
    stream.write({ devices });
    call.on('cancelled', () => this.streams.delete(stream));
    call.on('close', () => this.streams.delete(stream));
  }

  send(devices: Device[]): void {
    for (const s of this.streams) s.write({ devices });
  }

  endAll(): void {
    for (const s of this.streams) s.end();
    this.streams.clear();
  }
}
