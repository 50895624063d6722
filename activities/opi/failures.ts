/**
 * Turning what an OPI server says into Temporal failures a person can act on.
 * The catalogue (the vf-lease flow's OPI proxy retries what is retryable,
 * workflows/vf-lease/proxies.ts; what is not releases the lease, whose undo
 * deletes the bridge port, so nothing is left half-written):
 *
 *   OpiRefused            INVALID_ARGUMENT or ALREADY_EXISTS: the server will
 *                         refuse again. Non-retryable.
 *   OpiConflict           the bridge port exists with another MAC. Non-retryable.
 *   OpiUndecodableAnswer  the answer has an enum value the API does not define,
 *                         or lacks a field the API requires: the server speaks
 *                         another version of opi-api and will answer the same
 *                         again. Non-retryable.
 *   (other gRPC errors)   UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL...: thrown as
 *                         they come and retried (an OPI server restarting).
 */
import * as grpc from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import { UndecodableAnswer } from '../../proto/checked-decode';

export const OpiFailureType = {
  Refused: 'OpiRefused',
  Conflict: 'OpiConflict',
  UndecodableAnswer: 'OpiUndecodableAnswer',
} as const;

export function isCode(err: unknown, code: grpc.status): boolean {
  return typeof err === 'object' && err !== null && (err as grpc.ServiceError).code === code;
}

/**
 * `err` of `what` (an RPC and its subject) at `where` (DPU and OPI address) as
 * the catalogue says: a non-retryable ApplicationFailure, or `err` itself to be retried.
 */
export function opiFailure(err: unknown, what: string, where: string): unknown {
  if (err instanceof UndecodableAnswer) {
    return ApplicationFailure.nonRetryable(
      `${what} ${where}: ${err.message}`,
      OpiFailureType.UndecodableAnswer,
      { rpc: err.rpc, field: err.field, value: err.value },
    );
  }
  if (isCode(err, grpc.status.INVALID_ARGUMENT) || isCode(err, grpc.status.ALREADY_EXISTS)) {
    return ApplicationFailure.nonRetryable(
      `${what} ${where}: ${(err as grpc.ServiceError).details}`,
      OpiFailureType.Refused,
    );
  }
  return err;
}
