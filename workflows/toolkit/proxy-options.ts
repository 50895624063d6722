/**
 * Activity options the flows share, so one name says how a kind of call is
 * bounded and retried. Pure data: each flow's proxies.ts makes its proxies
 * from these (or states its own, with a reason).
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';

/** Calls to an API server (Kubernetes, status writes): retried through a restart of it. */
export const API_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 10,
};

/** Waits kept alive by heartbeats (drain, pod Ready, node Ready): a few retries, the wait itself is long. */
export const WAIT_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 5,
};

/** Short API calls on the control queue. */
export const API_CALL: ActivityOptions = {
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '30 seconds',
  retry: API_RETRY,
};

/** A wait of up to `timeoutSeconds` on the control queue, alive through heartbeats, bounded by its timeout plus a minute. */
export function heartbeatWait(timeoutSeconds: number, retry: RetryPolicy = WAIT_RETRY): ActivityOptions {
  return {
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: `${timeoutSeconds + 60} seconds`,
    heartbeatTimeout: '30 seconds',
    retry,
  };
}
