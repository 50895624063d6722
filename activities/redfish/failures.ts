/**
 * The redfish path's failure catalogue: what a BMC says, as Temporal failures
 * a person can act on. Each message names the DPU, the BMC address and what
 * to do. Non-retryable where asking again cannot help (wrong credentials, a
 * certificate that is not the pinned one, an image the BMC cannot fetch or
 * rejects, an update task that ended in Exception); retryable for a BMC that
 * is busy or restarting (503 with Retry-After, connection refused).
 *
 * The client (activities/redfish/client/) throws `RedfishError`s with a
 * `kind`; they are read here by that field, so the catalogue does not depend
 * on the client's classes.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { failureConstructors } from '../failure-catalogue';

/** ApplicationFailure types the redfish activities throw (for retry policies, the workflow and tests). */
export const RedfishFailureType = {
  /** 401: the BMC refused the account in the Secret. Nothing was started. Non-retryable. */
  Unauthorized: 'BmcUnauthorized',
  /** The BMC's certificate is not the pinned one; no credential was sent. Non-retryable. */
  CertificateMismatch: 'BmcCertificateMismatch',
  /** The credentials Secret, a key in it, or the CA Secret/ConfigMap is missing. Non-retryable. */
  CredentialsMissing: 'BmcCredentialsMissing',
  /** The BMC could not fetch the ImageURI. Non-retryable. */
  ImageFetchFailed: 'BmcImageFetchFailed',
  /** The BMC refused the BFB (SimpleUpdate or the task said the image is not acceptable). Non-retryable. */
  UpdateRejected: 'BmcUpdateRejected',
  /** The update task ended in TaskState Exception. Non-retryable. */
  TaskException: 'BmcTaskException',
  /** The BMC is unreachable, busy or restarting (503, Retry-After, connection refused). Retryable. */
  Unavailable: 'BmcUnavailable',
  /** A resource the flow needs is not there (no ComputerSystem, no task). Non-retryable. */
  NotFound: 'BmcNotFound',
  /** The BMC answered something xpuflow cannot read. Non-retryable. */
  Protocol: 'BmcProtocolError',
  /** The BMC no longer has the update task (it restarted mid-task) and the DPU does not report the new version. Non-retryable. */
  UpdateLost: 'BmcUpdateLost',
  /** The reset or boot did not end with the DPU's OS reported in time. Non-retryable. */
  BootTimeout: 'BmcBootTimeout',
} as const;
export type RedfishFailureType = (typeof RedfishFailureType)[keyof typeof RedfishFailureType];

const failure = failureConstructors<RedfishFailureType>();

/** Who was called, for messages. */
export interface BmcTarget {
  dpu: string;
  namespace: string;
  address: string;
  /** `<namespace>/<name>` of the credentials Secret. */
  secret: string;
}

/** The client's error as it reaches us: a `kind` and a message (RedfishError, activities/redfish/client). */
interface KindedError extends Error {
  kind: string;
  retryAfterMs?: number;
  status?: number;
}

export function isKindedError(err: unknown): err is KindedError {
  return err instanceof Error && typeof (err as Partial<KindedError>).kind === 'string';
}

function where(t: BmcTarget): string {
  return `BMC ${t.address} of DPU ${t.namespace}/${t.dpu}`;
}

/**
 * A client error met while doing `step` ("start the update", "reset the DPU")
 * as a failure of the catalogue. Errors that are not the client's (a bug, a
 * socket error the client did not type) are retryable BmcUnavailable, with
 * their message kept.
 */
export function bmcFailure(t: BmcTarget, step: string, err: unknown): ApplicationFailure {
  const said = err instanceof Error ? err.message : String(err);
  const details = { dpu: t.dpu, namespace: t.namespace, address: t.address, step };
  if (!isKindedError(err)) {
    return failure.retryable(
      RedfishFailureType.Unavailable,
      `${step} on ${where(t)} failed: ${said}; it will be retried — check that ${t.address} is the BMC's address and reachable from the control worker`,
      details,
      err instanceof Error ? err : undefined,
    );
  }
  switch (err.kind) {
    case 'Unauthorized':
      return failure.nonRetryable(
        RedfishFailureType.Unauthorized,
        `${where(t)} refused the account in Secret ${t.secret} (401) when asked to ${step}; nothing was started — ` +
          `fix the username and password in ${t.secret} (or the BMC account), then retry from "OS Installing"`,
        details,
      );
    case 'CertificateMismatch':
      return failure.nonRetryable(
        RedfishFailureType.CertificateMismatch,
        `${where(t)} presented a certificate that does not match the pinned one (spec.bmc.caRef or certSha256); ` +
          `no credential was sent: ${said} — check that ${t.address} is this DPU's BMC, then fix the pin`,
        details,
      );
    case 'ImageFetchFailed':
      return failure.nonRetryable(
        RedfishFailureType.ImageFetchFailed,
        `${where(t)} could not fetch the BFB: ${said}; check that the BFB's URL is reachable from the BMC's network, then retry from "OS Installing"`,
        details,
      );
    case 'UpdateRejected':
      return failure.nonRetryable(
        RedfishFailureType.UpdateRejected,
        `${where(t)} rejected the BFB: ${said}; check that the BFB is a BlueField bundle for this DPU, then retry from "Pending" with another BFB`,
        details,
      );
    case 'TaskException':
      return failure.nonRetryable(
        RedfishFailureType.TaskException,
        `the update task on ${where(t)} ended in Exception: ${said}; read the BMC's task messages and its SEL, then retry from "OS Installing"`,
        details,
      );
    case 'NotFound':
      return failure.nonRetryable(
        RedfishFailureType.NotFound,
        `${step} on ${where(t)}: ${said}; check that ${t.address} is a BlueField BMC`,
        details,
      );
    case 'Protocol':
      return failure.nonRetryable(
        RedfishFailureType.Protocol,
        `${where(t)} answered ${step} with something xpuflow cannot read: ${said}; check the BMC firmware version`,
        details,
      );
    default:
      // Unavailable (503, Retry-After, refused) and kinds added later: retried.
      return failure.retryable(
        RedfishFailureType.Unavailable,
        `${step} on ${where(t)} failed: ${said}; it will be retried`,
        { ...details, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) },
        err,
      );
  }
}

/** The credentials Secret, one of its keys, or the pinned CA is missing: nothing was sent to the BMC. */
export function credentialsMissing(t: BmcTarget, what: string): ApplicationFailure {
  return failure.nonRetryable(
    RedfishFailureType.CredentialsMissing,
    `cannot reach ${where(t)}: ${what}; create it in namespace ${t.namespace} (or fix spec.bmc), then retry from "OS Installing"`,
    { dpu: t.dpu, namespace: t.namespace, address: t.address },
  );
}

/** The DPU's OS did not come back with the new BFB in time after the BMC reset it. */
export function bootTimeout(t: BmcTarget, message: string): ApplicationFailure {
  return failure.nonRetryable(RedfishFailureType.BootTimeout, message, {
    dpu: t.dpu,
    namespace: t.namespace,
    address: t.address,
  });
}

/**
 * The BMC forgot the update task (bmcweb keeps tasks in memory: a BMC reboot
 * drops them) and the DPU does not report the version it installs: nothing
 * is installing any more, and starting again is the operator's call.
 */
export function updateLost(t: BmcTarget, task: string, version: string | undefined): ApplicationFailure {
  return failure.nonRetryable(
    RedfishFailureType.UpdateLost,
    `${where(t)} lost the update task ${task} (did the BMC restart mid-task?) and the DPU does not report ${version ?? 'the new version'}: ` +
      `nothing is installing; check the BMC, then retry from "OS Installing" to start the update again`,
    { dpu: t.dpu, namespace: t.namespace, address: t.address, task },
  );
}
