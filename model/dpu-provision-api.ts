/**
 * The ProvisionDpu workflow's messages: input, query, signal and update names
 * and payloads. Imported by the workflow and by every client (CLI, demo, tests).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BfbRef, DpuSpec, DpuStatus } from './dpu';
import type { Phase } from './phases';

export interface ProvisionDpuInput {
  spec: DpuSpec;
  /** Start from this phase instead of Initializing (used by `xpuflow reset`-like starts). */
  startFrom?: Phase;
  /**
   * What a permanent failure does after undoing the attempt: 'park' (default)
   * keeps the run open in Error for an operator's retry; 'return' ends it with
   * the Error status (a DPU object's lifecycle decides what comes next).
   */
  onError?: 'park' | 'return';
  /**
   * The bf.cfg changed (UpdateDpu, a new flavor): flash even when the DPU
   * already runs the BFB, so the new bf.cfg is installed with it.
   */
  reflash?: boolean;
  /**
   * Parked in Error, tell the parent (a DPU object's lifecycle) with
   * flowParkedSignal, and flowResumedSignal once a retry is taken, so the
   * lifecycle can replace a parked run on a spec change.
   */
  reportParked?: boolean;
}

export interface RetryRequest {
  /** Phase to restart from; defaults to the phase that failed. */
  fromPhase?: Phase;
  /** A corrected BFB (url and sha256) to use from now on, e.g. after a wrong URL. */
  bfb?: BfbRef;
  /** Who asked, for the record. */
  by?: string;
}

export interface RetryAccepted {
  restartingFrom: Phase;
  retry: number;
}

export interface OperatorRebooted {
  by?: string;
}

export const statusQuery = defineQuery<DpuStatus>('status');
export const operatorRebootedSignal = defineSignal<[OperatorRebooted]>('operatorRebooted');
export const retryUpdate = defineUpdate<RetryAccepted, [RetryRequest]>('retry');
