/**
 * Activity proxies of the DPU flows, each with an explicit timeout and retry
 * policy. Named `*Calls` / `*Waits`, so they read apart from the activity
 * factories in activities/. Control-side activities run on `xpuflow-control`;
 * sysfs work is routed to the DPU's host by its task queue, with a
 * schedule-to-start bound so a host whose worker is gone fails clearly
 * instead of hanging.
 */
import { proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { createBfbActivities } from '../../activities/bfb';
import type { createDmsActivities, createInstallBfbActivity } from '../../activities/dms';
import type { createInstallBfCfgActivity } from '../../activities/bfb/install-bf-cfg';
import type { createStageImageActivity } from '../../activities/bfb/stage-image';
import type { createBfbVersionsActivity } from '../../activities/bfb/bfb-versions';
import type { KubeActivities } from '../../activities/kube';
import type { RedfishActivities } from '../../activities/redfish';
import type { createSysfsActivities } from '../../activities/sysfs';
import type { ProvisionTiming } from '../../model/dpu';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import { API_CALL, API_RETRY, heartbeatWait } from '../toolkit/proxy-options';

type BfbActivities = ReturnType<typeof createBfbActivities>;
type DmsActivities = ReturnType<typeof createDmsActivities> &
  ReturnType<typeof createInstallBfbActivity> &
  ReturnType<typeof createInstallBfCfgActivity>;
type SysfsActivities = ReturnType<typeof createSysfsActivities>;
export type HostCalls = SysfsActivities;

/** DMS calls are retried through a few minutes of UNAVAILABLE. */
const DMS_CALL_RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 12,
};

/** Calls to DMS: short, retried through a few minutes of UNAVAILABLE. */
export const dmsCalls = proxyActivities<DmsActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '20 seconds',
  retry: DMS_CALL_RETRY,
});

/**
 * The same short DMS calls as local activities: run by the control worker
 * that runs the workflow (it registers the DMS activities), recorded as one
 * marker each in the workflow task that called them, instead of six events
 * (scheduled, started, completed and a workflow task). For reads (Verify,
 * RebootStatus) and the idempotent install of a small bf.cfg only: a local
 * activity is re-run when its workflow task is lost with a killed worker.
 */
export const dmsLocalCalls = proxyLocalActivities<DmsActivities>({
  startToCloseTimeout: '20 seconds',
  retry: DMS_CALL_RETRY,
});

/**
 * Waits on DMS's reboot status (`dmsAwaitReboot`): each attempt is one look,
 * retried after the delay the activity names (the server keeps the retries
 * out of history), for at most `timeoutSeconds` all told, as the server
 * counts it. Unlimited attempts: the schedule-to-close timeout is the bound.
 * The policy's backoff is the same schedule, for failures that name none (DMS
 * unreachable).
 */
export function dmsRebootWaits(
  timeoutSeconds: number,
  looks: { initialSeconds: number; maxSeconds: number },
) {
  return proxyActivities<DmsActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    scheduleToCloseTimeout: `${timeoutSeconds} seconds`,
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: `${looks.initialSeconds} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${Math.max(looks.initialSeconds, looks.maxSeconds)} seconds`,
      // maximumAttempts unset: unlimited, the schedule-to-close timeout bounds the wait.
    },
  });
}

/**
 * Long transfers (BFB download, BFB to DMS): alive through heartbeats, so a
 * dead worker is noticed in 30 s (the DPU's `timing.heartbeatTimeoutSeconds`
 * where a call passes `heartbeatTimeoutOf`).
 */
const TRANSFER_RETRY: RetryPolicy = {
  initialInterval: '2 seconds',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 8,
};

export const dmsTransfers = proxyActivities<DmsActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '45 minutes',
  heartbeatTimeout: '30 seconds',
  retry: TRANSFER_RETRY,
});

/** Rendering a bf.cfg (pure, quick) as a local activity on the control worker: one marker, not six events. */
export const bfbLocalCalls = proxyLocalActivities<BfbActivities>({
  startToCloseTimeout: '1 minute',
  retry: TRANSFER_RETRY,
});

/** Downloading a BFB into the control worker's cache (and the bf.cfg rendering beside it). */
export const bfbCalls = proxyActivities<BfbActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: TRANSFER_RETRY,
});

/** Per-call options of a heartbeating DMS call: the DPU's heartbeat timeout. */
export function heartbeatTimeoutOf(timing: ProvisionTiming): { heartbeatTimeout: `${number} seconds` } {
  return { heartbeatTimeout: `${timing.heartbeatTimeoutSeconds} seconds` };
}

/** Sysfs work on the DPU's host (start-to-close 1 minute by default). */
export function hostCalls(node: string, timing: ProvisionTiming): HostCalls {
  return proxyActivities<SysfsActivities>({
    taskQueue: hostTaskQueue(node),
    scheduleToStartTimeout: `${timing.hostScheduleToStartSeconds} seconds`,
    startToCloseTimeout: `${timing.hostCallTimeoutSeconds} seconds`,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '20 seconds',
      maximumAttempts: 5,
    },
  });
}

/** Kubernetes API calls (status writes included): short, retried through an API server restart. */
export const kubeCalls = proxyActivities<KubeActivities>(API_CALL);

/**
 * The DPU object's status writes of runs on the STATUS_WITH_WORK path
 * (fewer-events.ts) as local activities: run by the control worker that runs
 * the workflow (it registers the Kubernetes activities), one marker in the
 * workflow task that then schedules the phase's work. Same bound and retries
 * as kubeCalls (retries longer than a minute apart wait on a timer). A status
 * patch is idempotent, so a write run again after a lost workflow task is harmless.
 */
export const kubeLocalCalls = proxyLocalActivities<KubeActivities>({
  startToCloseTimeout: API_CALL.startToCloseTimeout!,
  retry: API_RETRY,
});

/** Waiting on Kubernetes (drain, pod Ready, node Ready): alive through heartbeats. */
export function kubeWaits(timeoutSeconds: number): KubeActivities {
  return proxyActivities<KubeActivities>(heartbeatWait(timeoutSeconds));
}

/**
 * DPF's activation: Activate with no_reboot false, which DMS may answer only
 * once the BFB is pushed (DPF gives it 30 minutes: NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/gnoi/installing.go, commit
 * 6acfda03356adceb17657555ce4ecca01f6bb32c). Alive through heartbeats; a
 * retried attempt finds an activation already under way and sends none.
 */
export const dmsActivations = proxyActivities<DmsActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '35 minutes',
  heartbeatTimeout: '30 seconds',
  retry: TRANSFER_RETRY,
});

/**
 * Short calls to a DPU's BMC (start an update, reset the DPU): retried
 * through a few minutes of a BMC that is busy or restarting (503 with
 * Retry-After, refused); a retried start finds the update an earlier attempt
 * began (activities/redfish/start-update.ts). The calls pass the DPU's
 * heartbeat timeout (heartbeatTimeoutOf), so a worker killed mid-call is
 * noticed in seconds, not at the start-to-close bound.
 */
export const redfishCalls = proxyActivities<RedfishActivities>({
  taskQueue: CONTROL_TASK_QUEUE,
  startToCloseTimeout: '1 minute',
  retry: DMS_CALL_RETRY,
});

/**
 * The redfish path's image (the BFB into the cache, the bf.cfg beside it)
 * and what the BFB installs (bfbVersions): a download, alive through
 * fetchBfb's heartbeats, retried like a transfer.
 */
export function imageStaging(timing: ProvisionTiming) {
  return proxyActivities<
    ReturnType<typeof createStageImageActivity> & ReturnType<typeof createBfbVersionsActivity>
  >({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: `${timing.flashTimeoutSeconds} seconds`,
    heartbeatTimeout: `${timing.heartbeatTimeoutSeconds} seconds`,
    retry: TRANSFER_RETRY,
  });
}

/**
 * Waits on a BMC (its update task, the DPU's boot): alive through heartbeats
 * (the DPU's heartbeat timeout), bounded by `timeoutSeconds`; a retried
 * attempt finds the update again and never starts one.
 */
export function redfishWaits(timeoutSeconds: number, timing: ProvisionTiming) {
  return proxyActivities<RedfishActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: `${timeoutSeconds + 60} seconds`,
    heartbeatTimeout: `${timing.heartbeatTimeoutSeconds} seconds`,
    retry: TRANSFER_RETRY,
  });
}
