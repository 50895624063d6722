/**
 * Activity proxies of the DPUSet rollout, named `*Calls` / `*Waits` so they
 * read apart from the activity factories in activities/. All on the control
 * queue.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { KubeActivities } from '../../activities/kube';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { API_RETRY } from '../toolkit/retries';

/** Kubernetes API calls (the set's health and status, a DPU's spec): short, retried through an API server restart. */
export const kubeCalls = proxyActivities<KubeActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '30 seconds',
  retry: API_RETRY,
});

/** Waiting for one DPU's own lifecycle to settle a generation: alive through heartbeats. */
export function settleWaits(timeoutSeconds: number): KubeActivities {
  return proxyActivities<KubeActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: `${timeoutSeconds + 60} seconds`,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
  });
}
