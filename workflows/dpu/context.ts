/** What the phases of one ProvisionDpu run share. */
import type { NodeEffectInput } from '../../activities/kube';
import type { DpuSpec, ProvisionTiming } from '../../model/dpu';
import type { Compensations } from '../toolkit/compensation';
import type { StatusBook } from './status-book';
import type { hostActivities } from './proxies';

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
  host: ReturnType<typeof hostActivities>;
  /** Facts learnt by earlier phases, kept across an operator's retry. */
  learnt: { hostBefore?: HostBefore; bfb?: FetchedBfb };
  /** Set by the operatorRebooted signal. */
  operatorRebooted: boolean;
  /** The node effect Node Effect applied, to lift when the DPU is Ready. */
  nodeEffectApplied?: NodeEffectInput;
}

/** A phase returns the sentence its record and condition carry. */
export type PhaseStep = (ctx: FlowContext) => Promise<PhaseOutcome>;
export type PhaseOutcome = { done: string } | { skipped: string };
