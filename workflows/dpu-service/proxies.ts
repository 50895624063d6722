/** Activity proxies for DpuService, each with an explicit timeout and retry policy (control queue). */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { DpuServiceActivities } from '../../activities/argocd/dpu-service';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';

/** Retried through an API server restart or a DPU cluster that is briefly unreachable. */
const RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 10,
  nonRetryableErrorTypes: [
    'DpuClusterNotFound',
    'DpuClusterKubeconfigMissing',
    'PullSecretNotFound',
    'NoCluster',
  ],
};

/** Short Kubernetes calls: namespace, Secrets, Applications, status. */
export const argo = proxyActivities<DpuServiceActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '30 seconds',
  retry: RETRY,
});

/** Long waits (health, deletion): alive through heartbeats, bounded by their own timeout plus a minute. */
export function waits(timeoutSeconds: number): DpuServiceActivities {
  return proxyActivities<DpuServiceActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: `${timeoutSeconds + 60} seconds`,
    heartbeatTimeout: '30 seconds',
    retry: { ...RETRY, maximumAttempts: 5 },
  });
}
