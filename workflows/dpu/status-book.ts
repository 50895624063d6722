/**
 * The DPU's status as the workflow keeps it: phase, conditions, progress and
 * the last error. Every change is mirrored to the XpuflowPhase search attribute
 * and to the run's "current details" text in the Temporal UI.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type {
  Condition,
  ConditionStatus,
  DpuSpec,
  DpuStatus,
  LastError,
  PhaseRecord,
  Progress,
} from '../../model/dpu';
import { PHASE_CONDITION, Phase } from '../../model/phases';
import { DPU_KEY, NODE_KEY, PHASE_KEY } from '../../model/search-attributes';

/** Told of each phase record that closes (its metrics, say); the book itself only keeps status. */
export type PhaseClosed = (
  record: Required<Pick<PhaseRecord, 'phase' | 'result' | 'startedAt' | 'endedAt'>>,
) => void;

/** Told of each phase the DPU enters (Error included), with the phase it leaves; metrics, say. */
export type PhaseEntered = (change: { from: Phase; to: Phase; at: string }) => void;

function now(): string {
  return new Date().toISOString(); // deterministic inside the workflow sandbox
}

export interface StatusBookOptions {
  /**
   * Hold search-attribute changes until `flush()` (or Error), so changes that
   * come back to back (the DPU's name and its first phase; a phase skipped,
   * then the next) are one upsert, one history event. The flow flushes before
   * a phase's work, so the attribute still changes before the work it names.
   */
  foldUpserts?: boolean;
}

type SearchAttributeKey = typeof DPU_KEY | typeof NODE_KEY | typeof PHASE_KEY;

export class StatusBook {
  private readonly status: DpuStatus;
  private readonly pending = new Map<SearchAttributeKey, string>();
  private readonly foldUpserts: boolean;

  constructor(
    spec: DpuSpec,
    private readonly onClosed?: PhaseClosed,
    private readonly onEntered?: PhaseEntered,
    opts: StatusBookOptions = {},
  ) {
    this.foldUpserts = opts.foldUpserts === true;
    this.status = {
      dpu: spec.name,
      node: spec.node,
      phase: Phase.Initializing,
      conditions: [],
      compensated: [],
      phases: [],
      retries: 0,
    };
    this.pending.set(DPU_KEY, spec.name).set(NODE_KEY, spec.node);
    if (!this.foldUpserts) this.flush();
  }

  /** Writes the search-attribute changes held back (foldUpserts), as one upsert; nothing when none are. */
  flush(): void {
    if (this.pending.size === 0) return;
    upsertSearchAttributes([...this.pending].map(([key, value]) => ({ key, value })));
    this.pending.clear();
  }

  private setAttribute(key: SearchAttributeKey, value: string): void {
    this.pending.set(key, value);
    if (!this.foldUpserts) this.flush();
  }

  snapshot(): DpuStatus {
    return JSON.parse(JSON.stringify(this.status)) as DpuStatus;
  }

  get phase(): Phase {
    return this.status.phase;
  }

  get lastError(): LastError | undefined {
    return this.status.lastError;
  }

  enter(phase: Phase, details?: string): void {
    this.onEntered?.({ from: this.status.phase, to: phase, at: now() });
    this.status.phase = phase;
    this.status.progress = undefined;
    this.status.waitingFor = undefined;
    this.status.phases.push({ phase, startedAt: now(), result: 'running' });
    this.setAttribute(PHASE_KEY, phase);
    this.details(details ?? phase);
  }

  /** The phase finished; its condition turns True. */
  done(phase: Phase, message: string): void {
    this.closeRecord(phase, 'done', message);
    this.setCondition(phase, 'True', 'Done', message);
    this.status.progress = undefined;
  }

  /** The phase had nothing to do here (e.g. no cluster configured). */
  skip(phase: Phase, reason: string): void {
    this.closeRecord(phase, 'skipped', reason);
    this.setCondition(phase, 'True', 'Skipped', reason);
    this.details(`${phase}: ${reason}`);
  }

  fail(phase: Phase, message: string, nonRetryable: boolean): void {
    this.closeRecord(phase, 'failed', message);
    this.setCondition(phase, 'False', 'Failed', message);
    this.status.lastError = { phase, message, nonRetryable, at: now() };
    this.status.progress = undefined;
  }

  /** Parked in Error; `hint` says what brings it out (absent: the run ends, nothing to wait for). */
  enterError(hint?: string): void {
    this.onEntered?.({ from: this.status.phase, to: Phase.Error, at: now() });
    this.status.phase = Phase.Error;
    this.status.waitingFor = hint;
    this.setAttribute(PHASE_KEY, Phase.Error);
    this.flush(); // the run waits here for an operator: Error shows in visibility now
    this.details(`Error in ${this.status.lastError?.phase}: ${this.status.lastError?.message}`);
  }

  progress(progress: Progress): void {
    this.status.progress = progress;
    const pct = progress.percent !== undefined ? `: ${Math.floor(progress.percent)} %` : '';
    this.details(`${progress.step}${pct}`);
  }

  waitFor(what: string | undefined): void {
    this.status.waitingFor = what;
    if (what) this.details(`waiting for ${what}`);
  }

  compensated(what: string): void {
    this.status.compensated.push(what);
  }

  /** A new attempt after an operator's retry: old errors and compensations are history. */
  retried(): void {
    this.status.retries += 1;
    this.status.compensated = [];
    this.status.waitingFor = undefined;
  }

  private details(text: string): void {
    setCurrentDetails(`**${this.status.dpu}** on ${this.status.node}: ${text}`);
  }

  private closeRecord(phase: Phase, result: 'done' | 'skipped' | 'failed', message: string): void {
    const rec = [...this.status.phases].reverse().find((r) => r.phase === phase && r.result === 'running');
    if (rec) {
      rec.result = result;
      rec.endedAt = now();
      rec.message = message;
      this.onClosed?.({ phase, result, startedAt: rec.startedAt, endedAt: rec.endedAt });
    } else {
      this.status.phases.push({ phase, startedAt: now(), endedAt: now(), result, message });
    }
  }

  private setCondition(phase: Phase, status: ConditionStatus, reason: string, message: string): void {
    const type = PHASE_CONDITION[phase];
    if (!type) return;
    const existing = this.status.conditions.find((c) => c.type === type);
    const cond: Condition = { type, status, reason, message, lastTransitionTime: now() };
    if (!existing) this.status.conditions.push(cond);
    else {
      if (existing.status === status) cond.lastTransitionTime = existing.lastTransitionTime;
      Object.assign(existing, cond);
    }
  }
}
