/**
 * The simulated DPU behind one DMS: staged images, the running version, the
 * flash in progress and reboots. Pure in-memory state; every time-dependent
 * fact (a flash finishing, a reboot starting or ending) is settled lazily from
 * the clock reading the caller passes in, so a test drives time with a fake
 * clock and no timers run in the background.
 */
import type { FaultBox } from './faults';

export interface StagedImage {
  version: string;
  /** 'cfg' for a bf.cfg (version ends in `.cfg`), else 'bfb'. */
  kind: 'bfb' | 'cfg';
  bytes: number;
  /** sha256 (hex) of the bytes received; '' for the image the target started with. */
  sha256: string;
}

export interface FlashInProgress {
  version: string;
  /** The bf.cfg flashed with it (the most recently staged one), if any. */
  cfg?: string;
  startedAtMs: number;
}

export interface RebootRecord {
  startMs: number;
  method: string;
  reason: string;
}

export interface DmsCounters {
  /** Images fully received and validated (a no-op install of a staged version does not count). */
  transfers: number;
  /** Flashes started. */
  flashes: number;
  /** Reboots started (counted when observed: by an RPC or state()). */
  reboots: number;
}

/** A snapshot of the simulated DPU, settled to the clock time it was taken at. */
export interface DmsTargetState {
  atMs: number;
  /** The version the DPU runs. */
  runningVersion: string;
  runningCfg?: string;
  /** Versions present, in the order they were staged (the running one first). */
  staged: string[];
  stagedImages: StagedImage[];
  flashing?: FlashInProgress;
  activationFailMessage?: string;
  /** The Install stream receiving an image now, if any. */
  installing?: string;
  rebootPending?: { atMs: number; reason: string };
  rebootActive: boolean;
  lastReboot?: RebootRecord;
  counters: DmsCounters;
}

/** A refusal the RPC layer turns into a gRPC status. */
export class DmsRefusal extends Error {
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'ALREADY_EXISTS' | 'ABORTED',
    message: string,
  ) {
    super(message);
    this.name = 'DmsRefusal';
  }
}

export type ActivateOutcome =
  | { kind: 'ok'; startedFlash: boolean }
  | { kind: 'error'; type: 'NON_EXISTENT_VERSION' | 'UNSPECIFIED'; detail: string };

export class DmsTarget {
  readonly counters: DmsCounters = { transfers: 0, flashes: 0, reboots: 0 };
  running: string;
  runningCfg?: string;
  activationFailMessage?: string;
  flashing?: FlashInProgress;
  installing?: string;
  private readonly images = new Map<string, StagedImage>();
  private lastCfg?: string;
  private pendingReboot?: RebootRecord;
  private lastReboot?: RebootRecord;

  constructor(
    initialVersion: string,
    private readonly flashMs: number,
    private readonly rebootMs: number,
    private readonly faults: FaultBox,
  ) {
    this.running = initialVersion;
    this.images.set(initialVersion, { version: initialVersion, kind: 'bfb', bytes: 0, sha256: '' });
  }

  isStaged(version: string): boolean {
    return this.images.has(version);
  }

  stage(image: StagedImage): void {
    this.images.delete(image.version);
    this.images.set(image.version, image);
    if (image.kind === 'cfg') this.lastCfg = image.version;
    this.counters.transfers += 1;
  }

  activate(version: string, nowMs: number): ActivateOutcome {
    this.settle(nowMs);
    if (version === '' || !this.images.has(version)) {
      const staged = [...this.images.keys()].map((v) => JSON.stringify(v)).join(', ');
      return {
        kind: 'error',
        type: 'NON_EXISTENT_VERSION',
        detail: `version ${JSON.stringify(version)} is not staged on this DMS (staged: ${staged}); install it with OS.Install first`,
      };
    }
    if (version.endsWith('.cfg')) {
      return {
        kind: 'error',
        type: 'UNSPECIFIED',
        detail: `version ${JSON.stringify(version)} is a bf.cfg; activate the BFB version, which is flashed with the latest staged bf.cfg`,
      };
    }
    if (this.flashing?.version === version) return { kind: 'ok', startedFlash: false };
    if (this.flashing) {
      throw new DmsRefusal(
        'ABORTED',
        `a flash of ${JSON.stringify(this.flashing.version)} is in progress since clock ${this.flashing.startedAtMs} ms; ` +
          `wait until Verify reports it before activating ${JSON.stringify(version)}`,
      );
    }
    if (this.running === version) return { kind: 'ok', startedFlash: false };
    this.flashing = { version, cfg: this.lastCfg, startedAtMs: nowMs };
    // A new attempt: the last one's failure no longer describes what is happening.
    this.activationFailMessage = undefined;
    this.counters.flashes += 1;
    return { kind: 'ok', startedFlash: true };
  }

  reboot(method: string, delayMs: number, reason: string, nowMs: number): void {
    this.settle(nowMs);
    if (method !== 'COLD' && method !== 'WARM') {
      throw new DmsRefusal(
        'INVALID_ARGUMENT',
        `reboot method ${method} is not supported by this DMS; use COLD or WARM`,
      );
    }
    if (this.pendingReboot) {
      throw new DmsRefusal(
        'ALREADY_EXISTS',
        `a reboot is already pending (starts at clock ${this.pendingReboot.startMs} ms, reason ${JSON.stringify(this.pendingReboot.reason)})`,
      );
    }
    if (this.rebootActive(nowMs)) {
      throw new DmsRefusal(
        'ALREADY_EXISTS',
        `a reboot is in progress since clock ${this.lastReboot?.startMs} ms`,
      );
    }
    this.pendingReboot = { startMs: nowMs + delayMs, method, reason };
    this.settle(nowMs);
  }

  rebootActive(nowMs: number): boolean {
    return this.lastReboot !== undefined && nowMs < this.lastReboot.startMs + this.rebootMs;
  }

  /** Remaining ms of the reboot in progress (0 when none). */
  rebootRemainingMs(nowMs: number): number {
    return this.rebootActive(nowMs) && this.lastReboot ? this.lastReboot.startMs + this.rebootMs - nowMs : 0;
  }

  get last(): RebootRecord | undefined {
    return this.lastReboot;
  }

  /** Brings time-dependent state up to `nowMs`: a finished flash completes, a due reboot starts. */
  settle(nowMs: number): void {
    if (this.flashing && nowMs - this.flashing.startedAtMs >= this.flashMs) {
      const done = this.flashing;
      this.flashing = undefined;
      if (this.faults.takeFlashFail()) {
        this.activationFailMessage =
          `flash of ${done.version} failed (injected FLASH_FAIL) after ${this.flashMs} ms; ` +
          `still running ${this.running}`;
      } else {
        this.running = done.version;
        this.runningCfg = done.cfg;
        this.activationFailMessage = undefined;
      }
    }
    if (this.pendingReboot && nowMs >= this.pendingReboot.startMs) {
      this.lastReboot = this.pendingReboot;
      this.pendingReboot = undefined;
      this.counters.reboots += 1;
    }
  }

  snapshot(nowMs: number): DmsTargetState {
    this.settle(nowMs);
    const stagedImages = [...this.images.values()].map((i) => ({ ...i }));
    return {
      atMs: nowMs,
      runningVersion: this.running,
      runningCfg: this.runningCfg,
      staged: stagedImages.map((i) => i.version),
      stagedImages,
      flashing: this.flashing ? { ...this.flashing } : undefined,
      activationFailMessage: this.activationFailMessage,
      installing: this.installing,
      rebootPending: this.pendingReboot
        ? { atMs: this.pendingReboot.startMs, reason: this.pendingReboot.reason }
        : undefined,
      rebootActive: this.rebootActive(nowMs),
      lastReboot: this.lastReboot ? { ...this.lastReboot } : undefined,
      counters: { ...this.counters },
    };
  }
}
