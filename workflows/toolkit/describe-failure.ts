/**
 * Turns an activity, child-workflow or workflow failure into words a person
 * can act on: the failure's own message (not "Activity task failed"), and,
 * for a task nobody picked up, which worker is not polling and how to start it.
 * The one failure-message helper of every flow.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';

export interface Described {
  message: string;
  nonRetryable: boolean;
  /** The ApplicationFailure's type, when there is one (e.g. 'IntegrityFail'). */
  type?: string;
}

/** Who should have taken a routed task, for the "not polling" message. */
export interface WorkerHint {
  /** "host worker for node-1", "DPU worker for dpu-1". */
  worker: string;
  /** The task queue it should poll, named in the message: "… is not polling xpuflow-dpu-dpu-1". */
  queue?: string;
  /** What to do, e.g. "start it (xpuflow worker dpu --dpu dpu-1)". */
  remedy?: string;
}

export function describeFailure(err: unknown, hint?: WorkerHint): Described {
  if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) {
    const cause = err.cause;
    const what = err instanceof ActivityFailure ? err.activityType : err.workflowType;
    if (cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.SCHEDULE_TO_START) {
      const who = hint?.worker ?? `the worker for ${what}`;
      const remedy = hint?.remedy ?? 'start it (or check the node or DPU name)';
      return {
        message: `${who} is not polling${hint?.queue ? ` ${hint.queue}` : ''}: ${what} waited on its task queue and nobody picked it up; ${remedy}`,
        nonRetryable: true,
        type: 'WorkerNotPolling',
      };
    }
    if (cause instanceof TimeoutFailure) {
      const kind = cause.timeoutType !== undefined ? TimeoutType[cause.timeoutType] : 'timeout';
      return { message: `${what} timed out (${kind})`, nonRetryable: false };
    }
    if (cause instanceof ApplicationFailure || cause instanceof ActivityFailure)
      return describeFailure(cause, hint);
    return { message: cause?.message ?? err.message, nonRetryable: false };
  }
  if (err instanceof ApplicationFailure)
    return {
      message: err.message,
      nonRetryable: err.nonRetryable === true,
      ...(err.type ? { type: err.type } : {}),
    };
  if (err instanceof Error) return { message: err.message, nonRetryable: false };
  return { message: String(err), nonRetryable: false };
}

/** Just the words. */
export function failureMessage(err: unknown, hint?: WorkerHint): string {
  return describeFailure(err, hint).message;
}
