/**
 * The DevicePlugin gRPC service the kubelet calls: options, ListAndWatch
 * (list-and-watch.ts), the preferred allocation (healthy VFs, lowest PCI
 * address first) and Allocate (allocate.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import type { DevicePluginHandlers } from '../../proto/load-vf';
import { allocateContainer } from './allocate';
import { devicesOf, type DeviceWatchers } from './list-and-watch';
import type { DevicePluginOptions } from './options';
import type { PoolVf } from './pool';

type PreferredRequest = Parameters<
  DevicePluginHandlers['GetPreferredAllocation']
>[0]['request']['containerRequests'][number];

export function devicePluginHandlers(
  opts: DevicePluginOptions,
  vfs: () => PoolVf[],
  watchers: DeviceWatchers,
): DevicePluginHandlers {
  return {
    GetDevicePluginOptions: (_call, cb) =>
      cb(null, { preStartRequired: false, getPreferredAllocationAvailable: true }),
    ListAndWatch: (call) => watchers.watch(call, devicesOf(vfs())),
    GetPreferredAllocation: (call, cb) => {
      const containerResponses = call.request.containerRequests.map((r) => preferredAllocation(r, vfs()));
      cb(null, { containerResponses });
    },
    Allocate: (call, cb) => {
      Promise.all(call.request.containerRequests.map((r) => allocateContainer(opts, vfs, r.devicesIds))).then(
        (containerResponses) => cb(null, { containerResponses }),
        (err: grpc.ServiceError) => cb(err),
      );
    },
    PreStartContainer: (_call, cb) => cb(null, {}),
  };
}

/** The devices the kubelet must include, then healthy available ones, lowest PCI address first. */
function preferredAllocation(r: PreferredRequest, vfs: PoolVf[]): { deviceIDs: string[] } {
  const chosen = [...r.mustIncludeDeviceIDs];
  const healthy = new Set(vfs.filter((v) => v.healthy).map((v) => v.pciAddress));
  for (const id of [...r.availableDeviceIDs].sort()) {
    if (chosen.length >= r.allocationSize) break;
    if (!chosen.includes(id) && healthy.has(id)) chosen.push(id);
  }
  return { deviceIDs: chosen };
}
