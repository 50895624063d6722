/**
 * What the DpuService workflow keeps while it runs (carried over
 * continueAsNew where it matters), and how it tells the DPUService object:
 * status, conditions and an Event, through one activity; and the health
 * wait every wave and roll back shares.
 */
import type {
  ClusterServiceStatus,
  DpuServicePhase,
  ServiceRelease,
} from '../../model/resources/dpu-service';
import type { KubeCondition, ObjectRef } from '../../model/resources/common';
import type { DesiredService, DpuServiceInput, DpuServiceState } from '../../model/dpu-service-api';
import type { AwaitResult } from '../../activities/argocd/dpu-service';
import { argoCalls, argoWaits } from './proxies';

export type Cond = Omit<KubeCondition, 'lastTransitionTime'>;
export type ServiceEvent = { type: 'Normal' | 'Warning'; reason: string; message: string };

export interface ServiceRun {
  readonly input: DpuServiceInput;
  readonly ref: ObjectRef;
  readonly workflowId: string;
  /** How often the health wait looks (default 5 s). */
  readonly pollSeconds: number;
  /** After a failure retries could not fix, when to try the same generation again (default 60 s). */
  readonly retrySeconds: number;
  /** The newest generation the controller signalled. */
  desired?: DesiredService;
  /** The generation (and clusters) last taken up. */
  applied?: DpuServiceInput['applied'];
  /** The last release every targeted cluster was Synced and Healthy on: what a failed wave rolls back to. */
  lastHealthy?: ServiceRelease;
  /** What each DPU cluster was last given (cluster → release). */
  deployed: Record<string, ServiceRelease>;
  deleting: boolean;
  clusterStatus: Record<string, ClusterServiceStatus>;
  /** What the serviceState query answers. */
  state: DpuServiceState;
}

export function startRun(input: DpuServiceInput, workflowId: string): ServiceRun {
  const deleting = input.deleting ?? false;
  return {
    input,
    ref: input.ref,
    workflowId,
    pollSeconds: input.pollSeconds ?? 5,
    retrySeconds: input.retrySeconds ?? 60,
    desired: input.desired,
    applied: input.applied,
    lastHealthy: input.lastHealthy,
    deployed: { ...(input.deployed ?? {}) },
    deleting,
    clusterStatus: {},
    state: {
      phase: 'Pending',
      appliedGeneration: input.applied?.generation ?? 0,
      waves: [],
      deleting,
      message: '',
    },
  };
}

export const notReady = (reason: string, message: string): Cond => ({
  type: 'Ready',
  status: 'False',
  reason,
  message,
});

/** Sets the queried phase and message, and writes status, conditions (of generation d) and an Event. */
export function report(
  run: ServiceRun,
  d: DesiredService | undefined,
  phase: DpuServicePhase,
  message: string,
  conditions: Cond[],
  event?: ServiceEvent,
): Promise<void> {
  const { state, clusterStatus, lastHealthy, input } = run;
  state.phase = phase;
  state.message = message;
  const gen = d?.generation ?? 0;
  return argoCalls.dpuServiceReport({
    ref: run.ref,
    status: {
      phase,
      message,
      ...(d ? { observedGeneration: d.generation } : {}),
      clusters: (d?.clusters ?? Object.keys(run.deployed)).map(
        (c) => clusterStatus[c] ?? { cluster: c, sync: 'Unknown', health: 'Unknown', revision: '' },
      ),
      ...(state.waves.length ? { waves: state.waves, totalWaves: state.waves.length } : {}),
      ...(state.currentWave !== undefined ? { currentWave: state.currentWave } : {}),
      ...(lastHealthy ? { lastHealthy } : {}),
      workflowId: run.workflowId,
      ...(input.workflowUrl ? { workflowUrl: input.workflowUrl } : {}),
    },
    conditions: conditions.map((c) => ({ ...c, observedGeneration: gen })),
    ...(event ? { event } : {}),
  });
}

export interface Wave {
  release: ServiceRelease;
  /** The release in words: "chart 1.2.3". */
  rel: string;
  /** Health timeout of a wave (s). */
  timeout: number;
  waves: string[][];
  /** This wave's index in `waves`. */
  index: number;
}

/** Waits for the clusters' Applications on `release`, and records what each reports. */
export async function awaitHealthy(
  run: ServiceRun,
  d: DesiredService,
  clusters: string[],
  release: ServiceRelease,
  timeout: number,
): Promise<AwaitResult> {
  const health = await argoWaits(timeout).dpuServiceAwaitHealthy({
    service: run.ref,
    clusters,
    release,
    namespace: d.spec.namespace,
    timeoutSeconds: timeout,
    pollSeconds: run.pollSeconds,
  });
  for (const s of health.clusters) run.clusterStatus[s.cluster] = s;
  return health;
}
