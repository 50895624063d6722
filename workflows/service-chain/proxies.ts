/** Activity proxies of the service chain: the OVS reconcile on the DPU's worker. */
import { proxyActivities } from '@temporalio/workflow';
import type { OvsActivities } from '../../activities/ovs';
import { dpuTaskQueue } from '../../model/task-queues';

/**
 * A DPU worker that does not take the task within scheduleToStartSeconds is
 * reported, and tried next interval. `namespace` absent: the DPU's queue of
 * runs started before DPU queues carried it (model/task-queues.ts).
 */
export function ovsCalls(
  dpu: string,
  namespace: string | undefined,
  scheduleToStartSeconds: number,
): OvsActivities {
  return proxyActivities<OvsActivities>({
    taskQueue: dpuTaskQueue(dpu, namespace),
    scheduleToStartTimeout: `${scheduleToStartSeconds}s`,
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });
}
