/** Activity proxies of the VM claim: sysfs and QMP on the VF's host, bounded so a missing host worker fails clearly. */
import { proxyActivities } from '@temporalio/workflow';
import type { VmActivities } from '../../activities/vfio';
import { hostTaskQueue } from '../../model/task-queues';

export function hostCalls(node: string): VmActivities {
  return proxyActivities<VmActivities>({
    taskQueue: hostTaskQueue(node),
    scheduleToStartTimeout: '1 minute',
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: 5,
    },
  });
}
