/**
 * Turning what DMS says into Temporal failures a person can act on: transient
 * trouble (unreachable, slow, busy) is retryable; what a retry cannot fix
 * (bad image, unknown version, bad input) is non-retryable.
 */
import * as grpc from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivateResponse__Output } from '../../proto/load';

/** Who was called, for messages. */
export interface DmsEndpoint {
  dpu: string;
  address: string;
}

/** ApplicationFailure types the DMS activities throw (for retry policies and tests). */
export const DmsFailureType = {
  /** DMS unreachable, or it did not answer in time. Retryable. */
  Unavailable: 'DmsUnavailable',
  /** DMS is busy with another install or flash. Retryable. */
  Busy: 'DmsBusy',
  /** Another gRPC failure that may pass. Retryable. */
  RpcError: 'DmsRpcError',
  /** DMS refused the request as invalid or unsupported. Non-retryable. */
  Rejected: 'DmsRejected',
  /** The image failed DMS's integrity check. Non-retryable. */
  IntegrityFail: 'DmsIntegrityFail',
  /** Other install errors (parse, incompatible, too large). Non-retryable. */
  InstallError: 'DmsInstallError',
  /** Activate of a version DMS does not have. Non-retryable. */
  VersionNotStaged: 'DmsVersionNotStaged',
  /** Other activate errors. Non-retryable. */
  ActivateError: 'DmsActivateError',
  /** The file to send is missing, empty or not a file. Non-retryable. */
  FileMissing: 'DmsInstallFileMissing',
  /** Bad activity input (address, version, delay). Non-retryable. */
  BadInput: 'DmsBadInput',
  /** DMS answered something xpuflow cannot decode (an unknown enum value, a missing field). Non-retryable: see protocolError. */
  ProtocolError: 'DmsProtocolError',
  /**
   * Not a fault: a reboot `dmsAwaitReboot` waits for is still under way. Retryable, with
   * the delay to the next look; the retries are the wait (await-reboot.ts).
   */
  RebootUnderWay: 'DmsRebootUnderWay',
} as const;

export function isServiceError(err: unknown): err is grpc.ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<grpc.ServiceError>).code === 'number' &&
    typeof (err as Partial<grpc.ServiceError>).details === 'string'
  );
}

const RETRYABLE: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.CANCELLED,
  grpc.status.UNKNOWN,
  grpc.status.INTERNAL,
]);

function where(t: DmsEndpoint): string {
  return `DMS at ${t.address} (DPU ${t.dpu})`;
}

/** A gRPC failure of `rpc` as a Temporal failure. */
export function grpcFailure(
  rpc: string,
  t: DmsEndpoint,
  err: grpc.ServiceError,
  timeoutMs?: number,
): ApplicationFailure {
  const code = grpc.status[err.code] ?? String(err.code);
  const said = `${code}${err.details ? `: ${err.details}` : ''}`;
  const details = { rpc, dpu: t.dpu, address: t.address, grpcCode: code };
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      return ApplicationFailure.retryable(
        `${rpc} to ${where(t)} failed: ${said}. DMS is down or unreachable; it will be retried — ` +
          `check that DMS runs on the DPU and that ${t.address} is the right address`,
        DmsFailureType.Unavailable,
        details,
      );
    case grpc.status.DEADLINE_EXCEEDED:
      return ApplicationFailure.retryable(
        `${rpc} to ${where(t)} got no answer within ${timeoutMs ?? '?'} ms; it will be retried — ` +
          `if this persists, DMS at ${t.address} is hung: restart it`,
        DmsFailureType.Unavailable,
        details,
      );
    case grpc.status.ABORTED:
      return ApplicationFailure.retryable(
        `${rpc} to ${where(t)} was refused as busy: ${said}; it will be retried`,
        DmsFailureType.Busy,
        details,
      );
    default:
      if (RETRYABLE.has(err.code)) {
        return ApplicationFailure.retryable(
          `${rpc} to ${where(t)} failed: ${said}; it will be retried`,
          DmsFailureType.RpcError,
          details,
        );
      }
      return ApplicationFailure.nonRetryable(
        `${rpc} to ${where(t)} was rejected: ${said}; retrying will not help — fix the request or the DMS`,
        DmsFailureType.Rejected,
        details,
      );
  }
}

/** A wait on the Install stream that ran out of time. */
export function installTimeout(
  t: DmsEndpoint,
  version: string,
  what: string,
  ms: number,
): ApplicationFailure {
  return ApplicationFailure.retryable(
    `Install of ${version} to ${where(t)}: no ${what} within ${ms} ms; the stream was cancelled and will be retried — ` +
      `if this persists, DMS at ${t.address} is hung: restart it`,
    DmsFailureType.Unavailable,
    { rpc: 'Install', dpu: t.dpu, address: t.address, version },
  );
}

/** An InstallError answer as a Temporal failure. */
export function installErrorFailure(
  t: DmsEndpoint,
  version: string,
  type: string,
  detail: string,
): ApplicationFailure {
  const said = `InstallError ${type}${detail ? `: ${detail}` : ''}`;
  const details = { rpc: 'Install', dpu: t.dpu, address: t.address, version, installError: type };
  switch (type) {
    case 'INTEGRITY_FAIL':
      return ApplicationFailure.nonRetryable(
        `image ${version} failed DMS's integrity check on ${where(t)} (${said}); sending the same bytes again will fail — ` +
          `check the BFB's sha256 and download it again`,
        DmsFailureType.IntegrityFail,
        details,
      );
    case 'INSTALL_IN_PROGRESS':
      return ApplicationFailure.retryable(
        `${where(t)} is busy with another install (${said}); the install of ${version} will be retried`,
        DmsFailureType.Busy,
        details,
      );
    default:
      return ApplicationFailure.nonRetryable(
        `${where(t)} refused image ${version} (${said}); retrying will not help — check that the image fits this DPU`,
        DmsFailureType.InstallError,
        details,
      );
  }
}

export function badInput(what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(what, DmsFailureType.BadInput);
}

/** The image file to send is missing, unreadable, not a file or empty on this worker. */
export function fileMissing(
  t: DmsEndpoint,
  version: string,
  filePath: string,
  why: string,
): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `cannot send ${version} to DMS at ${t.address} (DPU ${t.dpu}): image file ${filePath} ${why} on this worker; ` +
      `download the BFB again (or fix the path) and retry`,
    DmsFailureType.FileMissing,
    { dpu: t.dpu, address: t.address, version, filePath },
  );
}

/**
 * DMS answered `rpc` with a message xpuflow cannot decode: `field` holds
 * `value`, which the protocol (or the DMS behaviour xpuflow relies on, see
 * proto/gnoi/README.md) does not allow. Non-retryable (DmsProtocolError):
 * asking the same DMS again gets the same answer, and nothing was written
 * on the strength of it — fix or upgrade DMS, then retry the phase.
 */
export function protocolError(
  rpc: string,
  t: DmsEndpoint,
  field: string,
  value: unknown,
  expected: string,
): ApplicationFailure {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return ApplicationFailure.nonRetryable(
    `${rpc} answer from ${where(t)} has ${field} = ${shown}, which xpuflow cannot decode (expected ${expected}); ` +
      `nothing was changed on the strength of it — check the DMS version, then retry`,
    DmsFailureType.ProtocolError,
    { rpc, dpu: t.dpu, address: t.address, field, value: shown },
  );
}

/** ActivateError.Type values (gNOI os.proto). */
const ACTIVATE_ERROR_TYPES = ['UNSPECIFIED', 'NON_EXISTENT_VERSION', 'NOT_SUPPORTED_ON_BACKUP'];

/** An Activate answer other than ActivateOK: `err` is its ActivateError, absent when DMS sent neither. */
export function activateFailure(
  t: DmsEndpoint,
  version: string,
  err: ActivateResponse__Output['activateError'],
): ApplicationFailure {
  if (!err)
    return protocolError('Activate', t, 'response', 'neither activate_ok nor activate_error', 'one of them');
  if (!ACTIVATE_ERROR_TYPES.includes(String(err.type))) {
    return protocolError(
      'Activate',
      t,
      'activate_error.type',
      err.type,
      `one of ${ACTIVATE_ERROR_TYPES.join(', ')}`,
    );
  }
  const details = { dpu: t.dpu, address: t.address, version, activateError: err.type };
  if (err.type === 'NON_EXISTENT_VERSION') {
    return ApplicationFailure.nonRetryable(
      `DMS at ${t.address} (DPU ${t.dpu}) does not have version ${version} to activate (${err.detail}); ` +
        `install it first (dmsInstallFile), then activate`,
      DmsFailureType.VersionNotStaged,
      details,
    );
  }
  return ApplicationFailure.nonRetryable(
    `DMS at ${t.address} (DPU ${t.dpu}) refused to activate ${version}: ActivateError ${err.type}` +
      `${err.detail ? ` (${err.detail})` : ''}; retrying will not help`,
    DmsFailureType.ActivateError,
    details,
  );
}
