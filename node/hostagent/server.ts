/**
 * The host agent's gRPC server on a unix socket: only root (and the socket's
 * group, 0660) can connect. A stale socket from a killed process is replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { hostAgentApi, unixTarget, type CniReply, type CniRequest__Output } from '../../proto/load-vf';

export interface HostAgentServer {
  socketPath: string;
  stop(): Promise<void>;
}

export async function startHostAgentServer(
  socketPath: string,
  handle: (req: CniRequest__Output) => Promise<CniReply>,
  mode = 0o660,
): Promise<HostAgentServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o750 });
  fs.rmSync(socketPath, { force: true });
  const server = new grpc.Server();
  server.addService(hostAgentApi().HostAgent.service, {
    Cni: (call: grpc.ServerUnaryCall<CniRequest__Output, CniReply>, cb: grpc.sendUnaryData<CniReply>) => {
      handle(call.request).then(
        (reply) => cb(null, reply),
        (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message } as grpc.ServiceError),
      );
    },
  });
  // Create the socket with no access for others from the start, then set the mode asked for.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<number>((resolve, reject) =>
      server.bindAsync(unixTarget(socketPath), grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  } finally {
    process.umask(oldMask);
  }
  fs.chmodSync(socketPath, mode);
  return {
    socketPath,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          fs.rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}
