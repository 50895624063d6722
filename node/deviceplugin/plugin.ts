/**
 * A kubelet device plugin for one pool (v1beta1, over unix sockets): serves
 * DevicePlugin on <dir>/xpuflow-<pool>.sock and registers it on
 * <dir>/kubelet.sock. It looks at sysfs and the kubelet socket every poll
 * interval: a changed device list or health is sent to every ListAndWatch
 * stream; a kubelet restart (new kubelet.sock, or our socket removed, as the
 * kubelet does on start) makes it serve again and re-register.
 * Allocate starts or joins each VF's lease workflow.
 *
 * The service handlers are in handlers.ts (Allocate in allocate.ts),
 * ListAndWatch's health following in list-and-watch.ts, serving and
 * registration with the kubelet in registration.ts, its options in options.ts;
 * this file runs the poll.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { devicePluginApi, type DevicePluginHandlers } from '../../proto/load-vf';
import { devicePluginHandlers } from './handlers';
import { DeviceWatchers, devicesOf, fingerprint } from './list-and-watch';
import type { DevicePluginOptions } from './options';
import { discoverPool, resourceNameOf, type PoolVf } from './pool';
import { bindOwnerOnly, inodeOf, registerWithKubelet } from './registration';

export { pciEnvName } from './allocate';
export type { DevicePluginOptions } from './options';

export interface RunningDevicePlugin {
  socketPath: string;
  /** How many times it registered with a kubelet. */
  registrations(): number;
  stop(): Promise<void>;
}

export async function startDevicePlugin(opts: DevicePluginOptions): Promise<RunningDevicePlugin> {
  const api = devicePluginApi();
  const plugin = new DevicePlugin(opts, api, await discoverPool(opts.sysfsRoot, opts.pool));
  await plugin.serve();
  await plugin.tick();
  return {
    socketPath: plugin.socketPath,
    registrations: () => plugin.registrations,
    stop: () => plugin.stop(),
  };
}

/** One pool's plugin: its socket, its kubelet registration and the VFs it last saw. */
class DevicePlugin {
  readonly socketPath: string;
  registrations = 0;
  private readonly resourceName: string;
  private readonly kubeletSocket: string;
  private readonly watchers = new DeviceWatchers();
  private readonly handlers: DevicePluginHandlers;
  private server: grpc.Server | undefined;
  private registeredWith: number | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: DevicePluginOptions,
    private readonly api: ReturnType<typeof devicePluginApi>,
    private vfs: PoolVf[],
  ) {
    this.resourceName = resourceNameOf(opts.pool);
    this.socketPath = path.join(opts.dir, `xpuflow-${opts.pool.name}.sock`);
    this.kubeletSocket = path.join(opts.dir, 'kubelet.sock');
    this.handlers = devicePluginHandlers(opts, () => this.vfs, this.watchers);
  }

  /** Serves afresh: the old server and its ListAndWatch streams end, the socket is made again. */
  async serve(): Promise<void> {
    if (this.server) this.server.forceShutdown();
    this.watchers.endAll();
    fs.rmSync(this.socketPath, { force: true });
    this.server = new grpc.Server();
    this.server.addService(this.api.DevicePlugin.service, this.handlers);
    await bindOwnerOnly(this.server, this.socketPath);
  }

  /** One poll: follow the kubelet, then the pool's health; again after the interval until stopped. */
  async tick(): Promise<void> {
    try {
      await this.followKubelet();
      await this.followHealth();
    } catch (err) {
      console.error(`device plugin ${this.resourceName}: ${(err as Error).message}`);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.opts.pollIntervalMs);
  }

  /** Serves again when our socket is gone, and registers with a kubelet not yet registered with. */
  private async followKubelet(): Promise<void> {
    const kubeletInode = inodeOf(this.kubeletSocket);
    if (!fs.existsSync(this.socketPath)) {
      await this.serve();
      this.registeredWith = undefined;
    }
    if (kubeletInode !== undefined && kubeletInode !== this.registeredWith) {
      await registerWithKubelet(this.api, this.kubeletSocket, this.socketPath, this.resourceName);
      this.registrations++;
      this.registeredWith = kubeletInode;
      console.log(`device plugin ${this.resourceName}: registered with the kubelet (${this.kubeletSocket})`);
    }
  }

  /** Rediscovers the pool; a changed list or health goes to every ListAndWatch stream. */
  private async followHealth(): Promise<void> {
    const before = fingerprint(this.vfs);
    this.vfs = await discoverPool(this.opts.sysfsRoot, this.opts.pool);
    if (fingerprint(this.vfs) !== before) this.watchers.send(devicesOf(this.vfs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.watchers.endAll();
    this.server?.forceShutdown();
    fs.rmSync(this.socketPath, { force: true });
  }
}
