/** Messages of a DPUSet rollout workflow. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DpuTemplateSpec, ObjectRef } from './resources/common';

export interface DpuSetRolloutInput {
  set: ObjectRef;
  templateHash: string;
  template: DpuTemplateSpec;
  /** DPUs to move to the template, in rollout order. */
  dpus: string[];
  /** DPUs of the set that may be unavailable at once (resolved from int or percent, ≥ 1). */
  maxUnavailable: number;
  /** Stop launching when more than this many DPUs of the rollout fail. */
  failureBudget: number;
  paused: boolean;
  dryRun: boolean;
  /** How long one DPU may take from its update to Ready. */
  settleTimeoutSeconds: number;
  /** How often to look at the set's DPUs that are not part of a running update. */
  healthPollSeconds?: number;
  workflowUrl?: string;
}

export interface DpuSetRolloutProgress {
  total: number;
  updated: string[];
  failed: Array<{ dpu: string; message: string }>;
  inFlight: string[];
  paused: boolean;
  stopped?: string;
}

export interface RolloutDpuInput {
  set: ObjectRef;
  dpu: string;
  template: DpuTemplateSpec;
  templateHash: string;
  settleTimeoutSeconds: number;
  /**
   * Write the DPU's spec by a local activity (set by rollouts under
   * LOCAL_KUBE_CALLS, workflows/dpuset/dpuset-rollout.ts); absent in children
   * started before it, which replay with the activity they ran.
   */
  localUpdate?: boolean;
}

/** How one DPU of a rollout settled: Ready, or an Error the rollout counts against its budget. */
export interface RolloutDpuResult {
  ready: boolean;
  message: string;
}

export const setPausedSignal = defineSignal<[boolean]>('setPaused');
export const rolloutProgressQuery = defineQuery<DpuSetRolloutProgress>('progress');

/** maxUnavailable as int or "N%" of the set's size, rounded down, at least 1 (as Kubernetes does for DaemonSets). */
export function resolveMaxUnavailable(value: number | string | undefined, size: number): number {
  if (value === undefined) return 1;
  if (typeof value === 'number') return Math.max(1, Math.floor(value));
  const m = /^(\d+)%$/.exec(value);
  if (!m)
    throw new Error(
      `maxUnavailable ${JSON.stringify(value)} is neither an integer nor a percentage like "10%"`,
    );
  return Math.max(1, Math.floor((Number(m[1]) * size) / 100));
}

/** The batches a dry run reports: the order of launches if every DPU took the same time. */
export function plannedBatches(dpus: string[], maxUnavailable: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < dpus.length; i += maxUnavailable) out.push(dpus.slice(i, i + maxUnavailable));
  return out;
}
