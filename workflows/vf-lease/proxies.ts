/**
 * Activity proxies of the VF lease, each with explicit timeouts and retries.
 * Host work goes to the VF's node, OPI work to the DPU's worker; both have a
 * schedule-to-start bound so a worker that is gone shows as a clear failure.
 */
import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
import type { NetdevActivities } from '../../activities/netdev';
import type { OpiActivities } from '../../activities/opi';
import { dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';

/** CNI ADD's netns move: the CNI is waiting, so fail in seconds when the host worker is not polling. */
export function hostAttachCalls(node: string): NetdevActivities {
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

/**
 * The same netns move as a local activity, for a lease that runs on the host's
 * own queue (lease.ts onHost): the host worker that runs the lease's workflow
 * task moves the netdev within it, so a CNI ADD costs one workflow task and no
 * activity task round trip. A host worker killed meanwhile fails the workflow
 * task; the next host worker replays it and runs the move again (it is
 * idempotent for the same container).
 */
export function hostLocalAttachCalls(): NetdevActivities {
  return proxyLocalActivities<NetdevActivities>({
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: '200 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '5 seconds',
      maximumAttempts: 3,
    },
  });
}

/** OPI on the DPU worker: retried through an OPI server restart. */
export function opiCalls(dpu: string, namespace?: string): OpiActivities {
  return proxyActivities<OpiActivities>({
    taskQueue: dpuTaskQueue(dpu, namespace),
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

/**
 * The release's undo: retried until it succeeds and waiting up to an hour for
 * the worker to come back, so no VF is orphaned and no port left behind
 * switches a stranger's traffic.
 */
function untilDone<A>(taskQueue: string, startToCloseTimeout: ActivityOptions['startToCloseTimeout']) {
  return proxyActivities<A>({
    taskQueue,
    scheduleToStartTimeout: '1 hour',
    startToCloseTimeout,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
}

/** Release on the host: the netns move back. */
export const hostReleaseCalls = (node: string) =>
  untilDone<NetdevActivities>(hostTaskQueue(node), '30 seconds');

/**
 * Release on the host of a lease that runs on the host's own queue: a local
 * activity retried until it succeeds. A retry more than 2 s away waits on a
 * workflow timer rather than inside the workflow task: a query or update
 * (the collector's, a CNI ADD's refusal) is answered only between workflow
 * tasks, and a task held open by a local activity is heartbeated only every
 * ~8 s (80 % of its 10 s timeout).
 */
export const hostLocalReleaseCalls = () =>
  proxyLocalActivities<NetdevActivities>({
    startToCloseTimeout: '30 seconds',
    localRetryThreshold: '2 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

/** Release on the DPU: OPI DeleteBridgePort. */
export const opiReleaseCalls = (dpu: string, namespace?: string) =>
  untilDone<OpiActivities>(dpuTaskQueue(dpu, namespace), '20 seconds');
