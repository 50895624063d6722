/**
 * Retry policies the flows share, so one name says how hard a kind of call is
 * retried. Each proxies.ts picks from these (or states its own, with a reason).
 */
import type { RetryPolicy } from '@temporalio/workflow';

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
