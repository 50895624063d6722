/**
 * The two constructors of an activity domain's failure catalogue (a const
 * object of failure types, as in bfb/errors.ts and sysfs/errors.ts): a typed
 * ApplicationFailure that a retry cannot fix, and one that a retry may.
 * The messages stay with each domain; only the shape is shared.
 */
import { ApplicationFailure } from '@temporalio/common';

export interface FailureConstructors<T extends string> {
  nonRetryable(type: T, message: string, details?: unknown): ApplicationFailure;
  retryable(type: T, message: string, details?: unknown, cause?: Error): ApplicationFailure;
}

export function failureConstructors<T extends string>(): FailureConstructors<T> {
  const create = (type: T, message: string, nonRetryable: boolean, details?: unknown, cause?: Error) =>
    ApplicationFailure.create({
      type,
      message,
      nonRetryable,
      details: details ? [details] : undefined,
      ...(cause ? { cause } : {}),
    });
  return {
    nonRetryable: (type, message, details) => create(type, message, true, details),
    retryable: (type, message, details, cause) => create(type, message, false, details, cause),
  };
}
