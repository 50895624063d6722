/** Turns an activity or workflow failure into words for the status. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';

export interface Described {
  message: string;
  nonRetryable: boolean;
}

export function describeFailure(err: unknown, hostNode?: string): Described {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.SCHEDULE_TO_START) {
      const who = hostNode ? `host worker for ${hostNode}` : `the worker for ${err.activityType}`;
      return {
        message: `${who} is not polling: ${err.activityType} waited on its task queue and nobody picked it up; start the host worker on that node (or check the node name)`,
        nonRetryable: true,
      };
    }
    if (cause instanceof TimeoutFailure) {
      const kind = cause.timeoutType !== undefined ? TimeoutType[cause.timeoutType] : 'timeout';
      return { message: `${err.activityType} timed out (${kind})`, nonRetryable: false };
    }
    if (cause instanceof ApplicationFailure) {
      return { message: cause.message, nonRetryable: cause.nonRetryable === true };
    }
    return { message: cause?.message ?? err.message, nonRetryable: false };
  }
  if (err instanceof ApplicationFailure)
    return { message: err.message, nonRetryable: err.nonRetryable === true };
  if (err instanceof Error) return { message: err.message, nonRetryable: false };
  return { message: String(err), nonRetryable: false };
}
