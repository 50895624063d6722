/** Activity proxies of the vfClaim workflow: one per side of the claim, each with the credentials of its side only. */
import { proxyActivities } from '@temporalio/workflow';
import type { GuestVfClaimActivities, KubeActivities } from '../../activities/kube';
import type { VmActivities } from '../../activities/vfio';
import { guestTaskQueue, hostTaskQueue } from '../../model/task-queues';
import { API_CALL } from '../toolkit/proxy-options';

type HostClusterActivities = Pick<
  KubeActivities,
  'authorizeGuestVfClaim' | 'applyHostVfClaim' | 'reportHostVfClaim' | 'deleteHostVfClaim'
>;

/** The host cluster's mirror VFClaim, on the control queue (host credentials). */
export const hostClusterCalls = proxyActivities<HostClusterActivities>(API_CALL);

/**
 * The guest cluster's claim, on the guest worker's queue (guest credentials).
 * No schedule-to-start bound and no attempt limit: while the guest controller
 * is down its status writes wait for it, as the claim itself does.
 */
export function guestCalls(cluster: string): GuestVfClaimActivities {
  return proxyActivities<GuestVfClaimActivities>({
    taskQueue: guestTaskQueue(cluster),
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });
}

/** The host's check of the PF and the VM's QMP socket, bounded so a missing host worker fails clearly. */
export function hostChecks(node: string): Pick<VmActivities, 'vfClaimPreflight'> {
  return proxyActivities<VmActivities>({
    taskQueue: hostTaskQueue(node),
    scheduleToStartTimeout: '1 minute',
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumAttempts: 5 },
  });
}
