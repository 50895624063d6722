/** Activity proxies of the credential request workflow, each with explicit timeouts and retries. */
import { proxyActivities } from '@temporalio/workflow';
import type { CredentialActivities } from '../../activities/kube/credential';

/** Issue and write: a few quick retries, then the workflow reports the failure and tries again later. */
export const issue = proxyActivities<CredentialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
  },
});

/** Status writes: retried for a while; a status that cannot be written does not stop renewal. */
export const report = proxyActivities<CredentialActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});

/**
 * Revocation: idempotent; a minute or so of retries, then the workflow reports
 * the failure on the request and tries again later, so no credential outlives
 * its request silently.
 */
export const revoke = proxyActivities<CredentialActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
});
