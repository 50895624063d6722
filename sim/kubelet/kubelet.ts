/**
 * A kubelet peer for device plugins, over the real v1beta1 unix-socket
 * protocol: it serves Registration on <dir>/kubelet.sock, and for each plugin
 * that registers it connects to the plugin's socket, follows ListAndWatch and
 * can call Allocate. restart() plays a kubelet restart: every plugin socket
 * in the folder is removed and kubelet.sock is created anew.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  devicePluginApi,
  unixTarget,
  type AllocateResponse__Output,
  type DevicePluginClient,
  type RegisterRequest__Output,
} from '../../proto/load-vf';

export interface KubeletDevice {
  ID: string;
  health: string;
}

export interface KubeletPlugin {
  resourceName: string;
  endpoint: string;
  /** The latest ListAndWatch list. */
  devices: KubeletDevice[];
  /** Every ListAndWatch update received. */
  updates: number;
  client: DevicePluginClient;
}

export interface KubeletSim {
  dir: string;
  socketPath: string;
  registrations: RegisterRequest__Output[];
  plugins: Map<string, KubeletPlugin>;
  waitForPlugin(
    resourceName: string,
    pred?: (p: KubeletPlugin) => boolean,
    timeoutMs?: number,
  ): Promise<KubeletPlugin>;
  allocate(resourceName: string, deviceIds: string[][]): Promise<AllocateResponse__Output>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKubeletSim(dir: string): Promise<KubeletSim> {
  const api = devicePluginApi();
  fs.mkdirSync(dir, { recursive: true });
  const socketPath = path.join(dir, 'kubelet.sock');
  const registrations: RegisterRequest__Output[] = [];
  const plugins = new Map<string, KubeletPlugin>();
  let server: grpc.Server | undefined;

  const follow = (req: RegisterRequest__Output) => {
    plugins.get(req.resourceName)?.client.close();
    const client = new api.DevicePlugin(
      unixTarget(path.join(dir, req.endpoint)),
      grpc.credentials.createInsecure(),
    );
    const plugin: KubeletPlugin = {
      resourceName: req.resourceName,
      endpoint: req.endpoint,
      devices: [],
      updates: 0,
      client,
    };
    plugins.set(req.resourceName, plugin);
    const stream = client.ListAndWatch({});
    stream.on('data', (res: { devices: KubeletDevice[] }) => {
      plugin.devices = res.devices.map((d) => ({ ID: d.ID, health: d.health }));
      plugin.updates++;
    });
    stream.on('error', () => undefined);
  };

  const serve = async () => {
    fs.rmSync(socketPath, { force: true });
    server = new grpc.Server();
    server.addService(api.Registration.service, {
      Register: (
        call: grpc.ServerUnaryCall<RegisterRequest__Output, object>,
        cb: grpc.sendUnaryData<object>,
      ) => {
        const req = call.request;
        if (req.version !== 'v1beta1') {
          return cb({
            code: grpc.status.INVALID_ARGUMENT,
            details: `version ${req.version} is not v1beta1`,
          } as grpc.ServiceError);
        }
        registrations.push(req);
        cb(null, {});
        follow(req);
      },
    });
    await new Promise<void>((resolve, reject) =>
      server!.bindAsync(unixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  };

  await serve();
  return {
    dir,
    socketPath,
    registrations,
    plugins,
    async waitForPlugin(resourceName, pred = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const p = plugins.get(resourceName);
        if (p && pred(p)) return p;
        if (Date.now() > deadline) {
          throw new Error(
            `kubelet sim: plugin ${resourceName} not as expected within ${timeoutMs} ms (devices ${JSON.stringify(p?.devices)})`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    allocate(resourceName, deviceIds) {
      const p = plugins.get(resourceName);
      if (!p) return Promise.reject(new Error(`kubelet sim: no plugin registered for ${resourceName}`));
      return new Promise((resolve, reject) =>
        p.client.Allocate(
          { containerRequests: deviceIds.map((ids) => ({ devicesIds: ids })) },
          { deadline: Date.now() + 30_000 },
          (err, res) => (err ? reject(err) : resolve(res as AllocateResponse__Output)),
        ),
      );
    },
    async restart() {
      server?.forceShutdown();
      for (const p of plugins.values()) p.client.close();
      plugins.clear();
      for (const f of fs.readdirSync(dir))
        if (f.endsWith('.sock')) fs.rmSync(path.join(dir, f), { force: true });
      await serve();
    },
    async stop() {
      for (const p of plugins.values()) p.client.close();
      server?.forceShutdown();
      fs.rmSync(socketPath, { force: true });
    },
  };
}
