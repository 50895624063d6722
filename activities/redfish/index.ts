/**
 * Temporal activities of the redfish install path (issue 14): the DPU's BMC
 * installs the BFB (start-update.ts, follow-update.ts), resets the DPU
 * (reset-dpu.ts) and reports the version it booted (await-version.ts). One
 * job per file, on one BMC session per attempt (session.ts) with the account
 * and pinned CA read from the DPU's namespace (credentials.ts). Failures are
 * ApplicationFailures typed by RedfishFailureType (failures.ts).
 */
import type * as k8s from '@kubernetes/client-node';
import { hostCluster } from '../kube/cluster-clients';
import { awaitVersionActivity } from './await-version';
import { kubeBmcAccess, type BmcAccessReader } from './credentials';
import { followUpdateActivity } from './follow-update';
import type { OpenRedfish } from './redfish-port';
import { resetDpuActivity } from './reset-dpu';
import type { RedfishDeps } from './session';
import { startUpdateActivity } from './start-update';

export interface RedfishActivitiesOptions {
  /** The host cluster, where the BMC Secrets are (the control worker's XPUFLOW_KUBECONFIG). */
  kubeConfig?: k8s.KubeConfig;
  /** Read access another way (tests of one activity); default: from kubeConfig. */
  access?: BmcAccessReader;
  open: OpenRedfish;
  timeoutMs?: number;
}

export function createRedfishActivities(opts: RedfishActivitiesOptions) {
  const deps: RedfishDeps = {
    access: opts.access ?? kubeBmcAccess(hostCluster(opts.kubeConfig)),
    open: opts.open,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  return {
    ...startUpdateActivity(deps),
    ...followUpdateActivity(deps),
    ...resetDpuActivity(deps),
    ...awaitVersionActivity(deps),
  };
}

export type RedfishActivities = ReturnType<typeof createRedfishActivities>;
export type { RedfishCallInput } from './session';
export type { RedfishStartUpdateInput, RedfishStartUpdateResult } from './start-update';
export type {
  RedfishFollowUpdateInput,
  RedfishFollowUpdateResult,
  UpdateTaskProgress,
} from './follow-update';
export type { RedfishResetDpuResult } from './reset-dpu';
export type { RedfishAwaitVersionInput, RedfishAwaitVersionResult } from './await-version';
export { RedfishFailureType } from './failures';
