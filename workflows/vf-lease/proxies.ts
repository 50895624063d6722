/**
 * Activity proxies of the VF lease, each with explicit timeouts and retries.
 * Host work goes to the VF's node, OPI work to the DPU's worker; both have a
 * schedule-to-start bound so a worker that is gone shows as a clear failure.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NetdevActivities } from '../../activities/netdev';
import type { OpiActivities } from '../../activities/opi';
import { dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';

/** CNI ADD's netns move: the CNI is waiting, so fail in seconds when the host worker is not polling. */
export function hostAttach(node: string): NetdevActivities {
  return proxyActivities<NetdevActivities>({
    taskQueue: hostTaskQueue(node),
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '5 seconds',
      maximumAttempts: 3,
    },
  });
}

/** Release's undo on the host: retried until the host worker is back, so no VF is orphaned. */
export function hostRelease(node: string): NetdevActivities {
  return proxyActivities<NetdevActivities>({
    taskQueue: hostTaskQueue(node),
    scheduleToStartTimeout: '1 hour',
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
}

/** OPI on the DPU worker: retried through an OPI server restart. */
export function opi(dpu: string): OpiActivities {
  return proxyActivities<OpiActivities>({
    taskQueue: dpuTaskQueue(dpu),
    scheduleToStartTimeout: '2 minutes',
    startToCloseTimeout: '20 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: 10,
    },
  });
}

/** OPI delete on release: retried until it succeeds (a port left behind switches a stranger's traffic). */
export function opiRelease(dpu: string): OpiActivities {
  return proxyActivities<OpiActivities>({
    taskQueue: dpuTaskQueue(dpu),
    scheduleToStartTimeout: '1 hour',
    startToCloseTimeout: '20 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
}
