/**
 * Activity proxies of the DPUDeployment flow, named `*Calls` / `*Waits` so
 * they read apart from the activity factories in activities/. All on the
 * control queue.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { KubeActivities } from '../../activities/kube';
import { API_CALL, heartbeatWait } from '../toolkit/proxy-options';

/** Kubernetes API calls (the sets' DPUs, one DPU's spec, the deployment's status): short, retried through an API server restart. */
export const kubeCalls = proxyActivities<KubeActivities>(API_CALL);

/** Waiting for one DPU's own lifecycle to settle its update (drain, flash, rejoin): alive through heartbeats. */
export function settleWaits(timeoutSeconds: number): KubeActivities {
  return proxyActivities<KubeActivities>(
    heartbeatWait(timeoutSeconds, { initialInterval: '2 seconds', maximumAttempts: 5 }),
  );
}

/** Waiting for one DPU's services to run on it (Argo CD health in its DPU cluster): alive through heartbeats. */
export function servicesWaits(timeoutSeconds: number): KubeActivities {
  return proxyActivities<KubeActivities>(
    heartbeatWait(timeoutSeconds, { initialInterval: '2 seconds', maximumAttempts: 5 }),
  );
}
