/**
 * The simulated DPU behind one DMS: staged images, the running version, the
 * flash in progress and reboots. Pure in-memory state; every time-dependent
 * fact (a flash finishing, a reboot starting or ending) is settled lazily from
 * the clock reading the caller passes in, so a test drives time with a fake
 * clock and no timers run in the background.
 *
 * Activation follows NVIDIA DPF's gNOI path, which is how DMS is driven in
 * production (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/gnoi/installing.go, commit
 * 6acfda03356adceb17657555ce4ecca01f6bb32c): the bf.cfg is installed as its
 * own package whose version ends in `.cfg`, then ONE Activate names both,
 * `<bfb version>;<cfg version>`, with no_reboot false; DMS installs the BFB
 * with that bf.cfg and reboots the DPU itself, and the caller polls
 * System.RebootStatus for the `CPU` subcomponent until it is no longer active
 * and reads its status (SUCCESS, RETRIABLE_FAILURE, FAILURE). gNOI os.proto
 * (openconfig/gnoi v0.8.0) gives the no_reboot meaning: false reboots at once,
 * true leaves the new version for the next reboot.
 */
import type { FaultBox } from './faults';

export interface StagedImage {
  version: string;
  /** 'cfg' for a bf.cfg (version ends in `.cfg`), else 'bfb'. */
  kind: 'bfb' | 'cfg';
  bytes: number;
  /** sha256 (hex) of the bytes received; '' for the image the target started with. */
  sha256: string;
  /**
   * A bf.cfg's text as received (kept so tests can read what reached the DPU:
   * DMS writes the cfg to a file and hands it to the BFB installer).
   */
  content?: string;
}

export interface FlashInProgress {
  version: string;
  /** The bf.cfg Activate named beside the BFB (`<bfb>;<cfg>`), if any. */
  cfg?: string;
  startedAtMs: number;
  /** no_reboot was false: DMS reboots the DPU itself; the reboot runs from Activate to the end of boot. */
  rebootsItself: boolean;
}

export interface RebootRecord {
  startMs: number;
  /** When the DPU is back (start + rebootMs; for an activation, start + flashMs + rebootMs). */
  endMs: number;
  method: string;
  reason: string;
  /** Set when the activation this reboot belongs to failed: RebootStatus says STATUS_FAILURE with it. */
  failure?: string;
}

export interface DmsCounters {
  /** Images fully received and validated (a no-op install of a staged version does not count). */
  transfers: number;
  /**
   * Install streams cut off mid-transfer (cancelled, or ended before
   * TransferEnd): nothing of them is staged, so the image is sent again whole.
   */
  transfersCut: number;
  /** Flashes started. */
  flashes: number;
  /** Reboots started (an activation with no_reboot false counts when accepted; a Reboot RPC when its delay is over). */
  reboots: number;
}

/** A snapshot of the simulated DPU, settled to the clock time it was taken at. */
export interface DmsTargetState {
  atMs: number;
  /** The version the DPU runs. */
  runningVersion: string;
  runningCfg?: string;
  /** Flashed with no_reboot true: what the DPU boots at its next reboot. */
  nextBoot?: { version: string; cfg?: string };
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
  { kind: 'ok' } | { kind: 'error'; type: 'NON_EXISTENT_VERSION' | 'UNSPECIFIED'; detail: string };

/** DMS's rule for a bf.cfg package: its version ends in `.cfg` (installing.go, commit above). */
export function isCfgVersion(version: string): boolean {
  return version.endsWith('.cfg');
}

/**
 * `<bfb>;<cfg>` (DPF's activation string) or a lone `<bfb>`, split; an
 * error outcome when it has more parts, an empty part, or its parts are the
 * wrong kind.
 */
export function parseActivation(
  version: string,
): { bfb: string; cfg?: string } | Extract<ActivateOutcome, { kind: 'error' }> {
  const parts = version.split(';');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    return {
      kind: 'error',
      type: 'UNSPECIFIED',
      detail: `version ${JSON.stringify(version)} is neither <bfb> nor <bfb>;<cfg>`,
    };
  }
  const [bfb, cfg] = parts;
  if (isCfgVersion(bfb)) {
    return {
      kind: 'error',
      type: 'UNSPECIFIED',
      detail: `${JSON.stringify(bfb)} is a bf.cfg (its version ends in .cfg); activate <bfb>;${bfb}`,
    };
  }
  if (cfg !== undefined && !isCfgVersion(cfg)) {
    return {
      kind: 'error',
      type: 'UNSPECIFIED',
      detail: `the second part of ${JSON.stringify(version)}, ${JSON.stringify(cfg)}, must be a bf.cfg version ending in .cfg`,
    };
  }
  return cfg === undefined ? { bfb } : { bfb, cfg };
}

export class DmsTarget {
  readonly counters: DmsCounters = { transfers: 0, transfersCut: 0, flashes: 0, reboots: 0 };
  running: string;
  runningCfg?: string;
  nextBoot?: { version: string; cfg?: string };
  activationFailMessage?: string;
  flashing?: FlashInProgress;
  installing?: string;
  private readonly images = new Map<string, StagedImage>();
  private pendingReboot?: { startMs: number; method: string; reason: string };
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
    this.counters.transfers += 1;
  }

  /**
   * OS.Activate: `version` is `<bfb>;<cfg>` or `<bfb>`, each part staged.
   * Starts a flash with the named bf.cfg; with `noReboot` false DMS reboots the
   * DPU itself (RebootStatus active from now until the DPU is back). While a
   * flash or a reboot is under way it refuses with ABORTED: DMS documents no
   * repeat-safety for Activate, so a client must find an activation in flight
   * (RebootStatus, Verify) instead of sending it again.
   */
  activate(version: string, noReboot: boolean, nowMs: number): ActivateOutcome {
    this.settle(nowMs);
    const parsed = parseActivation(version);
    if ('kind' in parsed) return parsed;
    for (const part of [parsed.bfb, parsed.cfg]) {
      if (part !== undefined && !this.images.has(part)) {
        const staged = [...this.images.keys()].map((v) => JSON.stringify(v)).join(', ');
        return {
          kind: 'error',
          type: 'NON_EXISTENT_VERSION',
          detail: `version ${JSON.stringify(part)} is not staged on this DMS (staged: ${staged}); install it with OS.Install first`,
        };
      }
    }
    if (this.flashing) {
      throw new DmsRefusal(
        'ABORTED',
        `a flash of ${JSON.stringify(this.flashing.version)} is in progress since clock ${this.flashing.startedAtMs} ms; ` +
          `wait until RebootStatus and Verify report it before activating ${JSON.stringify(version)}`,
      );
    }
    if (this.rebootActive(nowMs) || this.pendingReboot) {
      throw new DmsRefusal(
        'ABORTED',
        `a reboot is pending or in progress; activate ${JSON.stringify(version)} when RebootStatus is no longer active`,
      );
    }
    this.flashing = { version: parsed.bfb, cfg: parsed.cfg, startedAtMs: nowMs, rebootsItself: !noReboot };
    // A new attempt: the last one's failure no longer describes what is happening.
    this.activationFailMessage = undefined;
    this.counters.flashes += 1;
    if (!noReboot) {
      this.lastReboot = {
        startMs: nowMs,
        endMs: nowMs + this.flashMs + this.rebootMs,
        method: 'COLD',
        reason: `activate ${version}`,
      };
      this.counters.reboots += 1;
    }
    return { kind: 'ok' };
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
    return this.lastReboot !== undefined && nowMs < this.lastReboot.endMs;
  }

  /** Remaining ms of the reboot in progress (0 when none). */
  rebootRemainingMs(nowMs: number): number {
    return this.rebootActive(nowMs) && this.lastReboot ? this.lastReboot.endMs - nowMs : 0;
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
        if (done.rebootsItself && this.lastReboot) this.lastReboot.failure = this.activationFailMessage;
      } else if (done.rebootsItself) {
        this.running = done.version;
        this.runningCfg = done.cfg;
      } else {
        // gNOI os.proto: with no_reboot the new version is used at the next reboot.
        this.nextBoot = { version: done.version, cfg: done.cfg };
      }
    }
    if (this.pendingReboot && nowMs >= this.pendingReboot.startMs) {
      const p = this.pendingReboot;
      this.lastReboot = { ...p, endMs: p.startMs + this.rebootMs };
      this.pendingReboot = undefined;
      this.counters.reboots += 1;
      if (this.nextBoot) {
        this.running = this.nextBoot.version;
        this.runningCfg = this.nextBoot.cfg;
        this.nextBoot = undefined;
      }
    }
  }

  snapshot(nowMs: number): DmsTargetState {
    this.settle(nowMs);
    const stagedImages = [...this.images.values()].map((i) => ({ ...i }));
    return {
      atMs: nowMs,
      runningVersion: this.running,
      runningCfg: this.runningCfg,
      nextBoot: this.nextBoot ? { ...this.nextBoot } : undefined,
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
