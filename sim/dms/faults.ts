/**
 * Faults a test can arm on a DMS simulator, and the bookkeeping that applies
 * them. See simulator.ts for what each fault does to the wire.
 */

/** The RPCs a DMS simulator serves, by their gNOI names. */
export const DMS_RPCS = ['Install', 'Activate', 'Verify', 'Reboot', 'RebootStatus'] as const;
export type DmsRpcName = (typeof DMS_RPCS)[number];

export type DmsFault =
  /**
   * Every RPC fails with gRPC UNAVAILABLE for the next `calls` calls, or until
   * the simulator's clock reaches `untilMs`, whichever ends first; with
   * neither, until clearFaults().
   */
  | { kind: 'UNAVAILABLE'; calls?: number; untilMs?: number }
  /** The next Install that transfers an image fails validation with INTEGRITY_FAIL. */
  | { kind: 'INTEGRITY_FAIL' }
  /** Matching RPCs (all when `rpcs` is absent) never answer until clearFaults() or stop(). */
  | { kind: 'HANG'; rpcs?: DmsRpcName[] }
  /** The next flash to complete fails: the running version stays and Verify says why. */
  | { kind: 'FLASH_FAIL' }
  /**
   * The next call of `rpc` takes effect on the DPU, then its answer is lost:
   * the caller gets gRPC UNAVAILABLE, as when the connection or the calling
   * worker dies after DMS acted. For proving a retry does not act twice.
   */
  | { kind: 'LOSE_ANSWER'; rpc: Exclude<DmsRpcName, 'Install'> };

interface Unavailable {
  callsLeft?: number;
  untilMs?: number;
}

/** The outcome of admitting one call: go on, fail with UNAVAILABLE, or wait (HANG). */
export type Admission =
  | { kind: 'proceed' }
  | { kind: 'unavailable'; detail: string }
  | { kind: 'hang'; released: Promise<'cleared' | 'stopped'> };

export class FaultBox {
  private unavailable: Unavailable[] = [];
  private hangs: Array<Set<DmsRpcName> | 'all'> = [];
  private integrityFails = 0;
  private flashFails = 0;
  private lostAnswers: Array<Exclude<DmsRpcName, 'Install'>> = [];
  private waiters: Array<(why: 'cleared' | 'stopped') => void> = [];

  inject(fault: DmsFault): void {
    switch (fault.kind) {
      case 'UNAVAILABLE': {
        if (fault.calls !== undefined && (!Number.isInteger(fault.calls) || fault.calls < 1)) {
          throw new Error(`UNAVAILABLE fault: calls ${fault.calls} must be a whole number of 1 or more`);
        }
        if (fault.untilMs !== undefined && !Number.isFinite(fault.untilMs)) {
          throw new Error(`UNAVAILABLE fault: untilMs ${fault.untilMs} must be a finite clock time in ms`);
        }
        this.unavailable.push({ callsLeft: fault.calls, untilMs: fault.untilMs });
        return;
      }
      case 'INTEGRITY_FAIL':
        this.integrityFails += 1;
        return;
      case 'FLASH_FAIL':
        this.flashFails += 1;
        return;
      case 'LOSE_ANSWER':
        if (!(DMS_RPCS as readonly string[]).includes(fault.rpc) || fault.rpc === ('Install' as string)) {
          throw new Error(
            `LOSE_ANSWER fault: RPC ${String(fault.rpc)} is not a unary DMS RPC; use Activate, Verify, Reboot or RebootStatus`,
          );
        }
        this.lostAnswers.push(fault.rpc);
        return;
      case 'HANG': {
        if (fault.rpcs === undefined) {
          this.hangs.push('all');
          return;
        }
        const unknown = fault.rpcs.filter((r) => !(DMS_RPCS as readonly string[]).includes(r));
        if (unknown.length > 0) {
          throw new Error(`HANG fault: unknown RPC ${unknown.join(', ')}; use any of ${DMS_RPCS.join(', ')}`);
        }
        this.hangs.push(new Set(fault.rpcs));
        return;
      }
      default: {
        const never: never = fault;
        throw new Error(`unknown DMS fault ${JSON.stringify(never)}`);
      }
    }
  }

  /** Disarms every fault and lets hung calls go on. */
  clear(): void {
    this.unavailable = [];
    this.hangs = [];
    this.integrityFails = 0;
    this.flashFails = 0;
    this.lostAnswers = [];
    this.release('cleared');
  }

  /** Lets hung calls go (they find the server gone). */
  stop(): void {
    this.release('stopped');
  }

  /** Applies UNAVAILABLE (consuming one call of it) and HANG to a call of `rpc` at clock time `nowMs`. */
  admit(rpc: DmsRpcName, nowMs: number): Admission {
    this.unavailable = this.unavailable.filter((f) => f.untilMs === undefined || nowMs < f.untilMs);
    const fault = this.unavailable[0];
    if (fault) {
      let left = '';
      if (fault.callsLeft !== undefined) {
        fault.callsLeft -= 1;
        left = ` (${fault.callsLeft} more call(s) will fail)`;
        if (fault.callsLeft <= 0) this.unavailable.shift();
      } else if (fault.untilMs !== undefined) {
        left = ` (until clock ${fault.untilMs} ms)`;
      }
      return { kind: 'unavailable', detail: `DMS is unavailable: injected UNAVAILABLE fault${left}` };
    }
    if (this.hangs.some((h) => h === 'all' || h.has(rpc))) {
      return { kind: 'hang', released: new Promise((resolve) => this.waiters.push(resolve)) };
    }
    return { kind: 'proceed' };
  }

  /** Consumes an armed INTEGRITY_FAIL, if any. */
  takeIntegrityFail(): boolean {
    if (this.integrityFails === 0) return false;
    this.integrityFails -= 1;
    return true;
  }

  /** Consumes an armed LOSE_ANSWER for `rpc`, if any. */
  takeLostAnswer(rpc: DmsRpcName): boolean {
    const i = this.lostAnswers.indexOf(rpc as Exclude<DmsRpcName, 'Install'>);
    if (i < 0) return false;
    this.lostAnswers.splice(i, 1);
    return true;
  }

  /** Consumes an armed FLASH_FAIL, if any. */
  takeFlashFail(): boolean {
    if (this.flashFails === 0) return false;
    this.flashFails -= 1;
    return true;
  }

  private release(why: 'cleared' | 'stopped'): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(why);
  }
}
