/**
 * Kill points: a test names a step of an OS install and the DMS simulator
 * stops the RPC that reaches it there, the caller's call held open, until the
 * test releases it. The test waits for `reached`, kills the calling worker
 * (kill -9), waits for `callerGone` (the simulator saw the call cancelled,
 * so nothing the dead worker sent is acted on after all) and then releases.
 * Deterministic: no sleep guesses where the worker is.
 *
 * Steps (each holds the first RPC that reaches it, once):
 * - `transfer-bfb`: a BFB's Install stream after its first content chunk,
 *   before the rest (the stream is paused, so the client's sends back up).
 * - `after-transfer-bfb`: a BFB staged (counted as a transfer), its Validated
 *   not yet sent: the caller does not know the BFB arrived.
 * - `after-transfer-cfg`: the same for a bf.cfg (version ending in `.cfg`),
 *   so the caller has not yet sent Activate.
 * - `after-activate`: an Activate taken (the flash and DMS's reboot have
 *   started), its ActivateOK not yet sent.
 */

export const DMS_HOLD_STEPS = [
  'transfer-bfb',
  'after-transfer-bfb',
  'after-transfer-cfg',
  'after-activate',
] as const;
export type DmsHoldStep = (typeof DMS_HOLD_STEPS)[number];

export interface HeldStep {
  readonly step: DmsHoldStep;
  /** Resolves when an RPC reaches the step and is stopped there. */
  readonly reached: Promise<void>;
  /** Resolves once the held RPC is cancelled: its caller died, gave up, or the server stopped. */
  readonly callerGone: Promise<void>;
  /** Lets the held RPC go on; on a cancelled call it does nothing more. */
  release(): void;
}

/** The part of a server call a hold watches: grpc-js emits 'cancelled' when the client goes. */
export interface CancellableCall {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

class Hold implements HeldStep {
  private readonly reachedD = deferred();
  private readonly goneD = deferred();
  private readonly releasedD = deferred();
  readonly reached = this.reachedD.promise;
  readonly callerGone = this.goneD.promise;

  constructor(readonly step: DmsHoldStep) {}

  release(): void {
    this.releasedD.resolve();
  }

  /** Stops `call` here: resolves when released. */
  arrive(call: CancellableCall): Promise<void> {
    if (call.cancelled) this.goneD.resolve();
    else call.once('cancelled', () => this.goneD.resolve());
    this.reachedD.resolve();
    return this.releasedD.promise;
  }

  /** The server is stopping: every held call is cut. */
  cut(): void {
    this.goneD.resolve();
    this.releasedD.resolve();
  }
}

export class StepHolds {
  private readonly armed = new Map<DmsHoldStep, Hold>();
  private readonly all: Hold[] = [];

  /** Arms `step`: the next RPC to reach it stops there until released. */
  holdAt(step: DmsHoldStep): HeldStep {
    if (!(DMS_HOLD_STEPS as readonly string[]).includes(step)) {
      throw new Error(
        `hold step ${JSON.stringify(step)} is not a DMS kill point; use one of ${DMS_HOLD_STEPS.join(', ')}`,
      );
    }
    if (this.armed.has(step)) {
      throw new Error(`hold step ${step} is already armed and not yet reached; release or reach it first`);
    }
    const hold = new Hold(step);
    this.armed.set(step, hold);
    this.all.push(hold);
    return hold;
  }

  /**
   * At `step` with `call`: when the step is armed, disarms it and returns the
   * promise of its release (the caller waits on it); else undefined, go on.
   */
  take(step: DmsHoldStep, call: CancellableCall): Promise<void> | undefined {
    const hold = this.armed.get(step);
    if (!hold) return undefined;
    this.armed.delete(step);
    return hold.arrive(call);
  }

  /** Releases every hold, reached or not, as cut calls (the server is stopping). */
  cutAll(): void {
    this.armed.clear();
    for (const h of this.all.splice(0)) h.cut();
  }
}
