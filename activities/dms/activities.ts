/**
 * Temporal activities that talk to a DPU's DMS over gNOI (proto/gnoi): install
 * an image (BFB file or in-memory bf.cfg), activate (flash) it, verify the
 * running version, reboot and read the reboot status.
 *
 * Each is idempotent: Install answers Validated at once for a staged version,
 * Activate of a version running or being flashed is a no-op, and Reboot
 * treats "a reboot is already pending or in progress" (ALREADY_EXISTS) as
 * done. Failures are ApplicationFailures typed by DmsFailureType: retryable
 * for transient trouble, non-retryable for what a retry cannot fix.
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import { checkDmsAddress } from '../../model/validation';
import type {
  ActivateResponse__Output,
  RebootStatusResponse__Output,
  VerifyResponse__Output,
} from '../../proto/load';
import { DmsClients } from './clients';
import { activityContext, ProgressHeartbeat } from './context';
import { DmsFailureType, badInput, grpcFailure, isServiceError, type DmsEndpoint } from './failures';
import { installStream, type ContentSource, type InstallStreamResult } from './install-stream';
import { callUnary, type UnaryInvoker } from './unary';

export interface DmsActivitiesOptions {
  /** Channel credentials; default insecure. Pass grpc.credentials.createSsl(...) for TLS. */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of each unary call, and the longest idle wait on an Install stream. Default 15 s. */
  callTimeoutMs?: number;
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

export interface DmsInstallFileInput extends DmsCallInput {
  version: string;
  /** Path of the image on this worker. */
  filePath: string;
}

export interface DmsInstallContentInput extends DmsCallInput {
  /** A bf.cfg version: ends in `.cfg`. */
  version: string;
  /** The file's text (UTF-8). */
  content: string;
}

export interface DmsRebootInput extends DmsCallInput {
  /** Seconds DMS waits before rebooting, so this call returns first. */
  delaySeconds: number;
  /** Why, recorded by DMS. */
  message: string;
}

export interface DmsVerifyResult {
  version: string;
  activationFailMessage?: string;
}

export interface DmsRebootStatusResult {
  active: boolean;
  /** Reboots started so far: a change means a reboot happened. */
  count: number;
  /** Nanoseconds since the epoch of the last reboot start ('0' if none), as a decimal string. */
  whenNs: string;
  /** While active: nanoseconds until the DPU is back, as a decimal string. */
  waitNs?: string;
  reason?: string;
}

const MAX_CHUNK = 3 * 1024 * 1024;

function checkEndpoint(input: DmsCallInput, activity: string): DmsEndpoint {
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

function checkVersion(version: unknown, activity: string, t: DmsEndpoint): string {
  if (typeof version !== 'string' || version.trim() === '') {
    throw badInput(
      `${activity} for DPU ${t.dpu}: version ${JSON.stringify(version)} must be a non-empty string`,
    );
  }
  return version;
}

function fileMissing(t: DmsEndpoint, version: string, filePath: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `cannot send ${version} to DMS at ${t.address} (DPU ${t.dpu}): image file ${filePath} ${why} on this worker; ` +
      `download the BFB again (or fix the path) and retry`,
    DmsFailureType.FileMissing,
    { dpu: t.dpu, address: t.address, version, filePath },
  );
}

/** The size of the image file, or a non-retryable failure saying why it cannot be sent. */
async function imageSize(t: DmsEndpoint, version: string, filePath: string): Promise<number> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fileMissing(
      t,
      version,
      filePath,
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(err)})`,
    );
  }
  if (!stat.isFile()) throw fileMissing(t, version, filePath, 'is not a regular file');
  if (stat.size === 0) throw fileMissing(t, version, filePath, 'is empty');
  return stat.size;
}

export function createDmsActivities(opts: DmsActivitiesOptions = {}) {
  const callTimeoutMs = opts.callTimeoutMs ?? 15_000;
  const validateTimeoutMs = opts.validateTimeoutMs ?? 10 * 60_000;
  const chunkBytes = Math.min(Math.max(1, Math.floor(opts.chunkBytes ?? 256 * 1024)), MAX_CHUNK);
  const heartbeatEveryMs = opts.heartbeatEveryMs ?? 5_000;
  const clients = opts.clients ?? new DmsClients(opts.credentials);

  async function unary<Res>(rpc: string, t: DmsEndpoint, invoke: UnaryInvoker<Res>): Promise<Res> {
    try {
      return await callUnary(invoke, callTimeoutMs, activityContext()?.cancellationSignal);
    } catch (err) {
      throw isServiceError(err) ? grpcFailure(rpc, t, err, callTimeoutMs) : err;
    }
  }

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

  return {
    /** The version the DPU runs, and why the last activation failed if it did. */
    async dmsVerify(input: DmsCallInput): Promise<DmsVerifyResult> {
      const t = checkEndpoint(input, 'dmsVerify');
      const os = clients.os(t.address);
      const res = await unary<VerifyResponse__Output>('Verify', t, (md, o, cb) => os.verify({}, md, o, cb));
      return res.activationFailMessage
        ? { version: res.version, activationFailMessage: res.activationFailMessage }
        : { version: res.version };
    },

    /** Streams an image file to DMS; a no-op when DMS already has the version. Heartbeats `{ bytesSent, bytesTotal, version }`. */
    async dmsInstallFile(input: DmsInstallFileInput): Promise<InstallStreamResult> {
      const t = checkEndpoint(input, 'dmsInstallFile');
      const version = checkVersion(input.version, 'dmsInstallFile', t);
      const filePath = input.filePath;
      if (typeof filePath !== 'string' || filePath === '') {
        throw badInput(
          `dmsInstallFile for DPU ${t.dpu}: filePath ${JSON.stringify(filePath)} must be the image's path`,
        );
      }
      const bytesTotal = await imageSize(t, version, filePath);
      return install(t, version, bytesTotal, () =>
        fs.createReadStream(filePath, { highWaterMark: chunkBytes }),
      );
    },

    /** Sends a small in-memory file (a bf.cfg; version ends in `.cfg`); a no-op when DMS already has the version. */
    async dmsInstallContent(input: DmsInstallContentInput): Promise<InstallStreamResult> {
      const t = checkEndpoint(input, 'dmsInstallContent');
      const version = checkVersion(input.version, 'dmsInstallContent', t);
      if (!version.endsWith('.cfg')) {
        throw badInput(
          `dmsInstallContent for DPU ${t.dpu}: version ${JSON.stringify(version)} must end in .cfg (it sends a bf.cfg); ` +
            `send BFB images with dmsInstallFile`,
        );
      }
      if (typeof input.content !== 'string' || input.content === '') {
        throw badInput(
          `dmsInstallContent for DPU ${t.dpu}: content of ${version} must be a non-empty string`,
        );
      }
      const bytes = Buffer.from(input.content, 'utf8');
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
      return install(t, version, bytes.length, () => chunks);
    },

    /** Starts flashing a staged version; a no-op when it runs or is being flashed. */
    async dmsActivate(input: DmsCallInput & { version: string }): Promise<void> {
      const t = checkEndpoint(input, 'dmsActivate');
      const version = checkVersion(input.version, 'dmsActivate', t);
      const os = clients.os(t.address);
      const res = await unary<ActivateResponse__Output>('Activate', t, (md, o, cb) =>
        os.activate({ version }, md, o, cb),
      );
      if (res.response === 'activateOk') return;
      const err = res.activateError;
      if (res.response !== 'activateError' || !err) {
        throw ApplicationFailure.nonRetryable(
          `Activate of ${version} on DMS at ${t.address} (DPU ${t.dpu}) got an answer with neither ActivateOK nor ActivateError; check the DMS version`,
          DmsFailureType.ProtocolError,
        );
      }
      const details = { dpu: t.dpu, address: t.address, version, activateError: err.type };
      if (err.type === 'NON_EXISTENT_VERSION') {
        throw ApplicationFailure.nonRetryable(
          `DMS at ${t.address} (DPU ${t.dpu}) does not have version ${version} to activate (${err.detail}); ` +
            `install it first (dmsInstallFile), then activate`,
          DmsFailureType.VersionNotStaged,
          details,
        );
      }
      throw ApplicationFailure.nonRetryable(
        `DMS at ${t.address} (DPU ${t.dpu}) refused to activate ${version}: ActivateError ${err.type}` +
          `${err.detail ? ` (${err.detail})` : ''}; retrying will not help`,
        DmsFailureType.ActivateError,
        details,
      );
    },

    /** Asks DMS to reboot the DPU after `delaySeconds`; done at once when a reboot is already pending or in progress. */
    async dmsReboot(input: DmsRebootInput): Promise<void> {
      const t = checkEndpoint(input, 'dmsReboot');
      const { delaySeconds, message } = input;
      if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
        throw badInput(
          `dmsReboot for DPU ${t.dpu}: delaySeconds ${JSON.stringify(delaySeconds)} must be 0 or more`,
        );
      }
      const delayNs = (BigInt(Math.round(delaySeconds * 1000)) * 1_000_000n).toString();
      const system = clients.system(t.address);
      const signal = activityContext()?.cancellationSignal;
      try {
        await callUnary(
          (md, o, cb) =>
            system.reboot(
              { method: 'COLD', delay: delayNs, message: typeof message === 'string' ? message : '' },
              md,
              o,
              cb,
            ),
          callTimeoutMs,
          signal,
        );
      } catch (err) {
        // A reboot already pending or in progress: the one asked for (or one just like it) is under way.
        if (isServiceError(err) && err.code === grpc.status.ALREADY_EXISTS) return;
        throw isServiceError(err) ? grpcFailure('Reboot', t, err, callTimeoutMs) : err;
      }
    },

    /** The DPU's reboot status; a changed `count` means a reboot happened. */
    async dmsRebootStatus(input: DmsCallInput): Promise<DmsRebootStatusResult> {
      const t = checkEndpoint(input, 'dmsRebootStatus');
      const system = clients.system(t.address);
      const res = await unary<RebootStatusResponse__Output>('RebootStatus', t, (md, o, cb) =>
        system.rebootStatus({}, md, o, cb),
      );
      const out: DmsRebootStatusResult = { active: res.active, count: res.count, whenNs: res.when };
      if (res.active) out.waitNs = res.wait;
      if (res.reason) out.reason = res.reason;
      return out;
    },
  };
}

export type DmsActivities = ReturnType<typeof createDmsActivities>;
