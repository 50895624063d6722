/**
 * Activity proxies of the DPUSet rollout, named `*Calls` / `*Waits` so they
 * read apart from the activity factories in activities/. All on the control
 * queue.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { KubeActivities } from '../../activities/kube';
import { API_CALL, API_RETRY, heartbeatWait } from '../toolkit/proxy-options';

/** Kubernetes API calls (the set's health and status, a DPU's spec): short, retried through an API server restart. */
export const kubeCalls = proxyActivities<KubeActivities>(API_CALL);

/**
 * The same calls as local activities, for runs under LOCAL_KUBE_CALLS
 * (dpuset-rollout.ts): run by the control worker that runs the rollout (it
 * registers the Kubernetes activities), one marker each in the workflow task
 * that goes on to launch or wait. Same bound and retries as kubeCalls; each
 * call is a read or an idempotent write, so one run again after a lost
 * workflow task is harmless.
 */
export const kubeLocalCalls = proxyLocalActivities<KubeActivities>({
  startToCloseTimeout: API_CALL.startToCloseTimeout!,
  retry: API_RETRY,
});

/** Waiting for one DPU's own lifecycle to settle a generation: alive through heartbeats. */
export function settleWaits(timeoutSeconds: number): KubeActivities {
  return proxyActivities<KubeActivities>(
    heartbeatWait(timeoutSeconds, { initialInterval: '2 seconds', maximumAttempts: 5 }),
  );
}
