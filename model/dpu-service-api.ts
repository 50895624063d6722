/**
 * Messages of a DPUService's workflow (one per DPUService object): the
 * controller signals each new generation (with the target clusters it
 * resolved) and the deletion; the workflow rolls releases out in waves.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DpuServicePhase, DpuServiceSpec, ServiceRelease } from './resources/dpu-service';
import type { ObjectRef } from './resources/common';

export interface DesiredService {
  generation: number;
  spec: DpuServiceSpec;
  /** Target DPUCluster names, sorted, resolved by the controller. */
  clusters: string[];
}

export interface DpuServiceInput {
  ref: ObjectRef;
  desired?: DesiredService;
  /** Carried over continue-as-new: */
  applied?: { generation: number; clusters: string[] };
  lastHealthy?: ServiceRelease;
  /** What each DPU cluster was last given (cluster → release). */
  deployed?: Record<string, ServiceRelease>;
  deleting?: boolean;
  workflowUrl?: string;
  /** How often the health wait looks at the Applications (default 5 s). */
  pollSeconds?: number;
  /** After a failure that retries could not fix, how long until the same generation is tried again (default 60 s). */
  retrySeconds?: number;
}

export interface DpuServiceState {
  phase: DpuServicePhase;
  desiredGeneration?: number;
  appliedGeneration: number;
  currentWave?: number;
  waves: string[][];
  deleting: boolean;
  message: string;
}

export const serviceChangedSignal = defineSignal<[DesiredService]>('serviceChanged');
export const serviceDeleteRequestedSignal = defineSignal('serviceDeleteRequested');
export const serviceStateQuery = defineQuery<DpuServiceState>('serviceState');

/** A newer generation, or the same one aimed at another set of clusters (a DPUCluster came or went). */
export function supersedes(next: DesiredService, current: DesiredService | undefined): boolean {
  if (!current) return true;
  if (next.generation !== current.generation) return next.generation > current.generation;
  return next.clusters.join(',') !== current.clusters.join(',');
}

export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 600;
