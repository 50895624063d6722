/** Activity proxies for DpuService, each with an explicit timeout and retry policy (control queue). */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { DpuServiceActivities } from '../../activities/argocd/dpu-service';
import { API_CALL, API_RETRY, heartbeatWait } from '../toolkit/proxy-options';

/**
 * Retried through an API server restart or a DPU cluster that is briefly
 * unreachable; a cluster or Secret that does not exist is not worth a retry.
 */
const RETRY: RetryPolicy = {
  ...API_RETRY,
  nonRetryableErrorTypes: [
    'DpuClusterNotFound',
    'DpuClusterKubeconfigMissing',
    'PullSecretNotFound',
    'NoCluster',
  ],
};

/** Short Kubernetes calls: namespace, Secrets, Applications, status. */
export const argoCalls = proxyActivities<DpuServiceActivities>({ ...API_CALL, retry: RETRY });

/** Long waits (health, deletion): alive through heartbeats, bounded by their own timeout plus a minute. */
export function argoWaits(timeoutSeconds: number): DpuServiceActivities {
  return proxyActivities<DpuServiceActivities>(
    heartbeatWait(timeoutSeconds, { ...RETRY, maximumAttempts: 5 }),
  );
}
