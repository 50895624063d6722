/**
 * The Redfish client's typed errors. Each message names the BMC, the resource and what to do; `kind`
 * is what callers branch on (the activities map kinds to their failure catalogue).
 */
import type { RedfishMessage, TaskStatus } from './types';

export type RedfishErrorKind =
  | 'Unauthorized' // 401 (or 403 on login): wrong credentials
  | 'CertificateMismatch' // the BMC's certificate is not the pinned one: nothing was sent
  | 'Unavailable' // 503 / connection refused / timeout: retry (after retryAfterMs when given)
  | 'ImageFetchFailed' // the BMC could not fetch the ImageURI
  | 'UpdateRejected' // the BMC refused the update (the request or the image)
  | 'TaskException' // the task ended in Exception, Killed or Cancelled
  | 'NotFound' // 404 on a resource reached by navigation
  | 'Protocol'; // an answer DSP0266 does not allow (bad JSON, missing link or header)

export interface RedfishErrorDetails {
  bmc: string;
  resource: string;
  status?: number;
  retryAfterMs?: number;
  /** @Message.ExtendedInfo of an error answer, or a task's Messages. */
  messages?: RedfishMessage[];
  task?: TaskStatus;
  cause?: unknown;
}

export class RedfishError extends Error {
  readonly kind: RedfishErrorKind;
  readonly bmc: string;
  readonly resource: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly messages: RedfishMessage[];
  readonly task?: TaskStatus;

  constructor(kind: RedfishErrorKind, message: string, details: RedfishErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RedfishError';
    this.kind = kind;
    this.bmc = details.bmc;
    this.resource = details.resource;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.messages = details.messages ?? [];
    this.task = details.task;
  }
}

export function isRedfishError(err: unknown, kind?: RedfishErrorKind): err is RedfishError {
  return err instanceof RedfishError && (kind === undefined || err.kind === kind);
}

/** "Message (MessageId); …" for an error text. */
export function describeMessages(messages: readonly RedfishMessage[]): string {
  return messages
    .map((m) => [m.Message, m.MessageId && `(${m.MessageId})`].filter(Boolean).join(' '))
    .filter((s) => s.length > 0)
    .join('; ');
}
