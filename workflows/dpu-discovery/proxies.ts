/**
 * Activity proxies of the discovery flow, named `*Calls` / `*Scans` so they
 * read apart from the activity factories in activities/. All on the control
 * queue.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { KubeActivities } from '../../activities/kube';
import type { DiscoveryActivities } from '../../activities/redfish/discovery';
import { API_CALL } from '../toolkit/proxy-options';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';

/** Kubernetes writes (DPUDevices, DPUNodes, the discovery's status): short, retried through an API server restart. */
export const kubeCalls = proxyActivities<KubeActivities>(API_CALL);

/**
 * The scan of a range: up to 4096 addresses, each probe bounded by its own
 * timeout, so 10 minutes is far over any scan; a heartbeat at least every
 * second means a dead worker is noticed in 30 s and the scan starts again on
 * another (probes are reads: repeating them is harmless). Two retries, then
 * the run fails and the next scheduled run tries again.
 */
export const discoveryScans = proxyActivities<DiscoveryActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});
