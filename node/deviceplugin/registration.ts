/**
 * Serving on <dir>/xpuflow-<pool>.sock and registering with the kubelet on
 * <dir>/kubelet.sock. A kubelet restart shows as a new kubelet.sock inode,
 * or as our socket removed (the kubelet empties the folder on start).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { unixTarget, type devicePluginApi } from '../../proto/load-vf';

type DevicePluginApi = ReturnType<typeof devicePluginApi>;

export function inodeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Binds the server to the socket, readable and writable by its owner only. */
export async function bindOwnerOnly(server: grpc.Server, socketPath: string): Promise<void> {
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(unixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  } finally {
    process.umask(oldMask);
  }
}

export async function registerWithKubelet(
  api: DevicePluginApi,
  kubeletSocket: string,
  socketPath: string,
  resourceName: string,
): Promise<void> {
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
  } finally {
    client.close();
  }
}
