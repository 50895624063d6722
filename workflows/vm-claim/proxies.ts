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

/**
 * QMP device_add, which heartbeats (activities/vfio/hotplug.ts): a host worker
 * killed inside it is noticed within seconds and the call retried (it finds
 * the device QEMU added and adds none twice). Options only: the same activity
 * and command in the history, so runs recorded before replay unchanged.
 */
export function hotplugCalls(node: string): Pick<VmActivities, 'qmpDeviceAdd'> {
  return proxyActivities<VmActivities>({
    taskQueue: hostTaskQueue(node),
    scheduleToStartTimeout: '1 minute',
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '4 seconds',
    retry: {
      initialInterval: '500 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: 5,
    },
  });
}
