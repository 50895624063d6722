/**
 * What every DMS activity shares: the options, the client pool, input checks,
 * and the two ways of calling DMS (a unary RPC with a deadline, and an Install
 * stream that heartbeats its progress).
 */
import * as grpc from '@grpc/grpc-js';
import { checkDmsAddress } from '../../model/validation';
import { DmsClients } from './clients';
import { activityContext, ProgressHeartbeat } from './context';
import { badInput, grpcFailure, isServiceError, type DmsEndpoint } from './failures';
import { installStream, type ContentSource, type InstallStreamResult } from './install-stream';
import { callUnary, type UnaryInvoker } from './unary';

export interface DmsActivitiesOptions {
  /** Channel credentials; default insecure. Pass grpc.credentials.createSsl(...) for TLS. */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of each unary call, and the longest idle wait on an Install stream. Default 15 s. */
  callTimeoutMs?: number;
  /**
   * Deadline of an Activate sent with no_reboot false: DMS may answer only once
   * the BFB is pushed. Default 30 min, the bound NVIDIA DPF gives it
   * (NVIDIA/doca-platform, internal/provisioning/controllers/dpu/state/gnoi/installing.go,
   * commit 6acfda03356adceb17657555ce4ecca01f6bb32c: `context.WithTimeout(..., 30*60*time.Second)`).
   */
  activateTimeoutMs?: number;
  /** Longest wait for Validated after the last byte (DMS checks the image). Default 10 min. */
  validateTimeoutMs?: number;
  /** Bytes per transfer_content message; default 256 KiB (at most 3 MiB). */
  chunkBytes?: number;
  /** Heartbeat interval during a transfer; default 5 s. */
  heartbeatEveryMs?: number;
  /** Clients to use (tests pass their own to close them); default a pool owned by these activities. */
  clients?: DmsClients;
}

export interface DmsCallInput {
  /** DPU name, for messages. */
  dpu: string;
  /** DMS `host:port`. */
  address: string;
}

const MAX_CHUNK = 3 * 1024 * 1024;

export function checkEndpoint(input: DmsCallInput, activity: string): DmsEndpoint {
  if (input === null || typeof input !== 'object')
    throw badInput(`${activity}: input must be an object with dpu and address`);
  if (typeof input.dpu !== 'string' || input.dpu === '') {
    throw badInput(`${activity}: dpu ${JSON.stringify(input.dpu)} must be the DPU's name`);
  }
  const problem = checkDmsAddress(input.address);
  if (problem)
    throw badInput(`${activity} for DPU ${input.dpu}: ${problem}; give the DMS address as host:port`);
  return { dpu: input.dpu, address: input.address };
}

export function checkVersion(version: unknown, activity: string, t: DmsEndpoint): string {
  if (typeof version !== 'string' || version.trim() === '') {
    throw badInput(
      `${activity} for DPU ${t.dpu}: version ${JSON.stringify(version)} must be a non-empty string`,
    );
  }
  return version;
}

export type DmsSession = ReturnType<typeof dmsSession>;

export function dmsSession(opts: DmsActivitiesOptions) {
  const callTimeoutMs = opts.callTimeoutMs ?? 15_000;
  const validateTimeoutMs = opts.validateTimeoutMs ?? 10 * 60_000;
  const chunkBytes = Math.min(Math.max(1, Math.floor(opts.chunkBytes ?? 256 * 1024)), MAX_CHUNK);
  const heartbeatEveryMs = opts.heartbeatEveryMs ?? 5_000;
  const activateTimeoutMs = opts.activateTimeoutMs ?? 30 * 60_000;
  const clients = opts.clients ?? new DmsClients(opts.credentials);

  /** A unary RPC (deadline `timeoutMs`, default callTimeoutMs); a gRPC error becomes a typed failure (grpcFailure). */
  async function unary<Res>(
    rpc: string,
    t: DmsEndpoint,
    invoke: UnaryInvoker<Res>,
    timeoutMs: number = callTimeoutMs,
  ): Promise<Res> {
    try {
      return await callUnary(invoke, timeoutMs, activityContext()?.cancellationSignal);
    } catch (err) {
      throw isServiceError(err) ? grpcFailure(rpc, t, err, timeoutMs) : err;
    }
  }

  /** An Install stream of `source`, heartbeating `{ bytesSent, bytesTotal, version }`. */
  async function install(
    t: DmsEndpoint,
    version: string,
    bytesTotal: number,
    source: ContentSource,
  ): Promise<InstallStreamResult> {
    const ctx = activityContext();
    const heartbeat = new ProgressHeartbeat(ctx, heartbeatEveryMs, version, bytesTotal);
    try {
      const result = await installStream(
        {
          ...t,
          client: clients.os(t.address),
          version,
          idleTimeoutMs: callTimeoutMs,
          validateTimeoutMs,
          signal: ctx?.cancellationSignal,
        },
        source,
        (bytesSent) => heartbeat.update({ bytesSent }),
      );
      heartbeat.update({ bytesSent: result.bytesSent }, true);
      return result;
    } finally {
      heartbeat.stop();
    }
  }

  return { clients, callTimeoutMs, activateTimeoutMs, heartbeatEveryMs, chunkBytes, unary, install };
}
