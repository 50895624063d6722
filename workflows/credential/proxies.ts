/** Activity proxies of the credential workflow, each with explicit timeouts and retries (control queue). */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { CredentialActivities } from '../../activities/kube/credential';

/** From 1 s, doubling up to `maximumInterval`, `maximumAttempts` tries in all. */
const backoff = (maximumInterval: RetryPolicy['maximumInterval'], maximumAttempts: number): RetryPolicy => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
});

/** Issue and write: a few quick retries, then the workflow reports the failure and tries again later. */
export const issueCalls = proxyActivities<CredentialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: backoff('10 seconds', 5),
});

/** Status writes: retried for a while; a status that cannot be written does not stop renewal. */
export const reportCalls = proxyActivities<CredentialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: backoff('30 seconds', 10),
});

/**
 * Revocation: idempotent; a minute or so of retries, then the workflow reports
 * the failure on the request and tries again later, so no credential outlives
 * its request silently.
 */
export const revokeCalls = proxyActivities<CredentialActivities>({
  startToCloseTimeout: '1 minute',
  retry: backoff('30 seconds', 6),
});
