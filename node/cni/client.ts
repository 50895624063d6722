/** xpuflow-cni's call to the host agent over its unix socket. */
import * as grpc from '@grpc/grpc-js';
import { hostAgentApi, unixTarget, type CniReply__Output, type CniRequest } from '../../proto/load-vf';
import { CniCode, CniError } from './errors';

export const DEFAULT_HOSTAGENT_SOCKET = '/run/xpuflow/hostagent.sock';

export function callHostAgent(
  socketPath: string,
  req: CniRequest,
  timeoutMs = 60_000,
): Promise<CniReply__Output> {
  const Client = hostAgentApi().HostAgent;
  const client = new Client(unixTarget(socketPath), grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.Cni(req, { deadline: Date.now() + timeoutMs }, (err, reply) => {
      client.close();
      if (err) {
        const code =
          err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED
            ? CniCode.TryAgainLater
            : CniCode.IoFailure;
        reject(
          new CniError(
            code,
            `host agent at ${socketPath}: ${err.details || err.message} (is the xpuflow host worker running on this node?)`,
          ),
        );
      } else resolve(reply as CniReply__Output);
    });
  });
}
