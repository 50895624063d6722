/** What the phases of one ProvisionDpu run share, and the shape of a phase: its do and its undo. */
import type { KubeActivities, NodeEffectInput } from '../../activities/kube';
import type { DpuSpec, ProvisionTiming } from '../../model/dpu';
import type { BfbVersions } from '../../model/bfb-versions';
import type { Phase } from '../../model/phases';
import type { Compensations, UndoStep } from '../toolkit/compensation';
import type { StatusBook } from './status-book';
import type { HostCalls } from './proxies';

export interface HostBefore {
  totalVfs: number;
  numVfs: number;
}

export interface FetchedBfb {
  fileName: string;
  sizeBytes: number;
}

export interface FlowContext {
  spec: DpuSpec;
  timing: ProvisionTiming;
  book: StatusBook;
  undo: Compensations;
  host: HostCalls;
  /** Facts learnt by earlier phases, kept across an operator's retry. */
  learnt: {
    hostBefore?: HostBefore;
    bfb?: FetchedBfb;
    joinTokenId?: string;
    /** What the BFB installs (redfish path; `{}`: it carries no inventory). */
    bfbVersions?: BfbVersions;
  };
  /** The bf.cfg changed since the DPU's last flash: OS Installing flashes even a BFB the DPU runs. */
  reflash?: boolean;
  /** The run takes the shorter-history path (fewer-events.ts): reboot waits in one activity, local DMS reads. */
  fewerEvents: boolean;
  /** The DPU object's status is written by a local activity (fewer-events.ts STATUS_WITH_WORK). */
  statusWithWork?: boolean;
  /** Set by the operatorRebooted signal. */
  operatorRebooted: boolean;
  /** The node effect Node Effect applied, to lift when the DPU is Ready. */
  nodeEffectApplied?: NodeEffectInput;
}

/** A phase returns the sentence its record and condition carry. */
export type PhaseOutcome = { done: string } | { skipped: string };

/**
 * What a phase's undo acts on: a run's FlowContext is one (plus, for Host
 * Network, the VF count it saw before); DeleteDpu makes one from the spec.
 */
export interface UndoTarget {
  spec: DpuSpec;
  host: HostCalls;
  /** sriov_numvfs to put back on the host PF; absent, 0 (the host as before the DPU object). */
  vfsBefore?: number;
  /**
   * The proxy of the undo's Kubernetes calls; absent, kubeCalls (activities).
   * DeleteDpu under DELETE_STATUS_WITH_WORK passes kubeLocalCalls (fewer-events.ts).
   */
  kube?: KubeActivities;
}

/**
 * One provisioning phase, its do and its undo side by side (as a CNI plugin's
 * ADD and DEL): `run` registers `undo` on the run's compensation stack before
 * or as it changes something, and DeleteDpu calls the same `undo`. An undo
 * returns undefined when this DPU's run changes nothing (no cluster, say).
 */
export interface ProvisionPhase {
  phase: Phase;
  run(ctx: FlowContext): Promise<PhaseOutcome>;
  undo?(target: UndoTarget): UndoStep | undefined;
}

/** A phase that changes something outside the workflow, and so has an undo. */
export type UndoablePhase = Required<ProvisionPhase>;
