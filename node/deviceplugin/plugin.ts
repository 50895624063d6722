/**
 * A kubelet device plugin for one pool (v1beta1, over unix sockets): serves
 * DevicePlugin on <dir>/xpuflow-<pool>.sock and registers it on
 * <dir>/kubelet.sock. It looks at sysfs and the kubelet socket every poll
 * interval: a changed device list or health is sent to every ListAndWatch
 * stream; a kubelet restart (new kubelet.sock, or our socket removed, as the
 * kubelet does on start) makes it serve again and re-register.
 * Allocate starts or joins each VF's lease workflow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import { readIommuGroup } from '../../activities/sysfs';
import { leaseMac } from '../../model/vf';
import {
  devicePluginApi,
  unixTarget,
  type ContainerAllocateResponse,
  type Device,
  type DevicePluginHandlers,
} from '../../proto/load-vf';
import { serviceError } from '../../proto/service-error';
import { LeaseConflict, startOrJoinLease } from '../hostagent/leases';
import { discoverPool, resourceNameOf, type PoolConfig, type PoolVf } from './pool';

export interface DevicePluginOptions {
  client: Client;
  node: string;
  sysfsRoot: string;
  pool: PoolConfig;
  /** The kubelet's device-plugins folder (kubelet.sock lives there). */
  dir: string;
  pollIntervalMs: number;
  attachTimeoutMs?: number;
}

export interface RunningDevicePlugin {
  socketPath: string;
  /** How many times it registered with a kubelet. */
  registrations(): number;
  stop(): Promise<void>;
}

/** PCIDEVICE_XPUFLOW_IO_POOL_A, as the SR-IOV network device plugin names its env. */
export function pciEnvName(resourceName: string): string {
  return `PCIDEVICE_${resourceName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function inodeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch {
    return undefined;
  }
}

export async function startDevicePlugin(opts: DevicePluginOptions): Promise<RunningDevicePlugin> {
  const api = devicePluginApi();
  const resourceName = resourceNameOf(opts.pool);
  const socketPath = path.join(opts.dir, `xpuflow-${opts.pool.name}.sock`);
  const kubeletSocket = path.join(opts.dir, 'kubelet.sock');
  const streams = new Set<grpc.ServerWritableStream<unknown, { devices: Device[] }>>();
  let vfs: PoolVf[] = await discoverPool(opts.sysfsRoot, opts.pool);
  let server: grpc.Server | undefined;
  let registeredWith: number | undefined;
  let registrations = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const devices = (): Device[] =>
    vfs.map((v) => ({ ID: v.pciAddress, health: v.healthy ? 'Healthy' : 'Unhealthy' }));
  const fingerprint = () => JSON.stringify(devices());

  const allocateOne = async (ids: string[]): Promise<ContainerAllocateResponse> => {
    const res: ContainerAllocateResponse = { envs: {}, devices: [] };
    const vfio = new Set<string>();
    for (const id of ids) {
      const vf = vfs.find((v) => v.pciAddress === id);
      if (!vf)
        throw serviceError(
          grpc.status.INVALID_ARGUMENT,
          `device ${id} is not in pool ${resourceName} on node ${opts.node}`,
        );
      try {
        await startOrJoinLease(opts.client, {
          node: opts.node,
          pciAddress: id,
          resourceName,
          xpu: { dpu: opts.pool.dpu, vlan: opts.pool.vlan },
          mac: leaseMac(opts.node, id),
          attachTimeoutMs: opts.attachTimeoutMs,
        });
      } catch (err) {
        if (err instanceof LeaseConflict) throw serviceError(grpc.status.FAILED_PRECONDITION, err.message);
        throw serviceError(
          grpc.status.UNAVAILABLE,
          `cannot start the lease of VF ${id}: ${(err as Error).message}`,
        );
      }
      if (vf.driver === 'vfio-pci') {
        const group = await readIommuGroup(opts.sysfsRoot, id);
        if (!group)
          throw serviceError(
            grpc.status.FAILED_PRECONDITION,
            `VF ${id} is bound to vfio-pci but has no iommu_group: is the IOMMU on (intel_iommu=on)?`,
          );
        vfio.add(group);
      }
    }
    res.envs = { [pciEnvName(resourceName)]: ids.join(',') };
    if (vfio.size) {
      res.devices = [
        { containerPath: '/dev/vfio/vfio', hostPath: '/dev/vfio/vfio', permissions: 'rw' },
        ...[...vfio].map((g) => ({
          containerPath: `/dev/vfio/${g}`,
          hostPath: `/dev/vfio/${g}`,
          permissions: 'rw',
        })),
      ];
    }
    return res;
  };

  const handlers: DevicePluginHandlers = {
    GetDevicePluginOptions: (_call, cb) =>
      cb(null, { preStartRequired: false, getPreferredAllocationAvailable: true }),
    ListAndWatch: (call) => {
      const stream = call as unknown as grpc.ServerWritableStream<unknown, { devices: Device[] }>;
      streams.add(stream);
      stream.write({ devices: devices() });
      call.on('cancelled', () => streams.delete(stream));
      call.on('close', () => streams.delete(stream));
    },
    GetPreferredAllocation: (call, cb) => {
      const containerResponses = call.request.containerRequests.map((r) => {
        const chosen = [...r.mustIncludeDeviceIDs];
        const healthy = new Set(vfs.filter((v) => v.healthy).map((v) => v.pciAddress));
        for (const id of [...r.availableDeviceIDs].sort()) {
          if (chosen.length >= r.allocationSize) break;
          if (!chosen.includes(id) && healthy.has(id)) chosen.push(id);
        }
        return { deviceIDs: chosen };
      });
      cb(null, { containerResponses });
    },
    Allocate: (call, cb) => {
      Promise.all(call.request.containerRequests.map((r) => allocateOne(r.devicesIds))).then(
        (containerResponses) => cb(null, { containerResponses }),
        (err: grpc.ServiceError) => cb(err),
      );
    },
    PreStartContainer: (_call, cb) => cb(null, {}),
  };

  const serve = async () => {
    if (server) server.forceShutdown();
    for (const s of streams) s.end();
    streams.clear();
    fs.rmSync(socketPath, { force: true });
    server = new grpc.Server();
    server.addService(api.DevicePlugin.service, handlers);
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) =>
        server!.bindAsync(unixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    } finally {
      process.umask(oldMask);
    }
  };

  const register = async (): Promise<void> => {
    const client = new api.Registration(unixTarget(kubeletSocket), grpc.credentials.createInsecure());
    try {
      await new Promise<void>((resolve, reject) =>
        client.Register(
          {
            version: 'v1beta1',
            endpoint: path.basename(socketPath),
            resourceName,
            options: { preStartRequired: false, getPreferredAllocationAvailable: true },
          },
          { deadline: Date.now() + 5000 },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      registrations++;
    } finally {
      client.close();
    }
  };

  const tick = async () => {
    try {
      const kubeletInode = inodeOf(kubeletSocket);
      if (!fs.existsSync(socketPath)) {
        await serve();
        registeredWith = undefined;
      }
      if (kubeletInode !== undefined && kubeletInode !== registeredWith) {
        await register();
        registeredWith = kubeletInode;
        console.log(`device plugin ${resourceName}: registered with the kubelet (${kubeletSocket})`);
      }
      const before = fingerprint();
      vfs = await discoverPool(opts.sysfsRoot, opts.pool);
      if (fingerprint() !== before) for (const s of streams) s.write({ devices: devices() });
    } catch (err) {
      console.error(`device plugin ${resourceName}: ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(() => void tick(), opts.pollIntervalMs);
  };

  await serve();
  await tick();
  return {
    socketPath,
    registrations: () => registrations,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const s of streams) s.end();
      server?.forceShutdown();
      fs.rmSync(socketPath, { force: true });
    },
  };
}
