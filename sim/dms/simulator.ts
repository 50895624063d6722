/**
 * DMS simulator: a real gRPC server (grpc-js) speaking xpuflow's gNOI subset
 * (proto/gnoi: OS.Install/Activate/Verify, System.Reboot/RebootStatus), one
 * per simulated DPU. Production code talks to it exactly as to a DPU's DMS.
 *
 * The DMS contract it plays (also in proto/gnoi/*.proto):
 * - Install: the client sends TransferRequest{version}. Already staged (or
 *   running) → Validated at once, nothing transferred (a retried install is a
 *   no-op). Otherwise TransferReady; the client streams transfer_content; the
 *   sim answers TransferProgress{bytes_received} every `progressEveryBytes`
 *   (1 MiB); the client sends TransferEnd; the sim answers InstallError
 *   INTEGRITY_FAIL if that fault is armed, else stages the image
 *   (counters.transfers++) and answers Validated. A stream that ends or is
 *   cancelled before TransferEnd stages nothing; a second Install while one
 *   is receiving gets INSTALL_IN_PROGRESS; an empty image gets PARSE_FAIL. A
 *   version ending in `.cfg` is a bf.cfg, staged the same way.
 * - Activate{version, no_reboot}, as NVIDIA DPF drives DMS (see target.ts
 *   for the source): version is `<bfb>;<cfg>` (or a lone `<bfb>`), each part
 *   staged, the cfg's version ending in `.cfg`. A part not staged →
 *   ActivateError NON_EXISTENT_VERSION; a malformed string or parts of the
 *   wrong kind → ActivateError UNSPECIFIED; a flash or reboot under way →
 *   gRPC ABORTED (no repeat-safety is promised, so none is played). Else
 *   ActivateOK and a flash of the BFB with that named bf.cfg starts
 *   (counters.flashes++). With no_reboot false DMS reboots the DPU itself:
 *   RebootStatus is active from Activate until flashMs + rebootMs later,
 *   when = the activation's time, reason `activate <version>`, count + 1, and
 *   once over, status SUCCESS (or FAILURE with the reason when the flash
 *   failed). With no_reboot true the new version is what the DPU boots at its
 *   next reboot (gNOI os.proto).
 * - Verify: a flash that has run `flashMs` by the clock completes when
 *   observed; version = running version. If FLASH_FAIL was armed when the
 *   flash completed, the running version stays and activation_fail_message
 *   says why (cleared when the next flash starts).
 * - System.Reboot{method, delay ns, message}: schedules a reboot at now+delay;
 *   ALREADY_EXISTS while one is pending or in progress; INVALID_ARGUMENT for
 *   a method other than COLD or WARM.
 * - RebootStatus{subcomponents}: none, or the one path `CPU` (the DPU's Arm
 *   complex, which DPF asks about); any other path → INVALID_ARGUMENT naming
 *   it. active (wait = ns left) while a reboot runs; count = reboots started;
 *   when = ns (since the epoch, by the clock) the last reboot started; reason
 *   and method of the last reboot; status (applicable only when active is
 *   false, gNOI system.proto) SUCCESS or FAILURE once one is over, else
 *   STATUS_UNKNOWN.
 * - Faults (injectFault): UNAVAILABLE (every RPC fails with gRPC UNAVAILABLE
 *   for the next N calls or until a clock time), INTEGRITY_FAIL (the next
 *   Install that transfers fails validation), HANG (matching RPCs never
 *   answer until clearFaults() or stop()), FLASH_FAIL (the next flash fails),
 *   LOSE_ANSWER (the next call of an RPC acts, then fails UNAVAILABLE as if
 *   the connection dropped: test plumbing, not DMS behaviour).
 * - Kill points (holdAt, holds.ts): the first RPC to reach a named step of an
 *   install (mid BFB stream, BFB or bf.cfg staged but not yet answered,
 *   Activate taken but not yet answered) stops there until the test, having
 *   killed the caller, releases it. counters.transfersCut counts Install
 *   streams cut before TransferEnd (nothing of them staged).
 *
 * Everything is computed lazily from `clock` (no timers), so a test can drive
 * time with a fake clock. All state is in memory, per instance. stop() closes
 * at once, hung calls included.
 */
import * as grpc from '@grpc/grpc-js';
import {
  osServiceDefinition,
  systemServiceDefinition,
  type ActivateResponse,
  type OSHandlers,
  type RebootStatusResponse,
  type SystemHandlers,
} from '../../proto/load';
import type { RebootStatusRequest__Output } from '../../proto/gen/gnoi/system/RebootStatusRequest';
import { FaultBox, type DmsFault, type DmsRpcName } from './faults';
import { StepHolds, type DmsHoldStep, type HeldStep } from './holds';
import { serveInstall } from './install';
import { DmsRefusal, DmsTarget, type DmsCounters, type DmsTargetState } from './target';

export interface DmsSimulatorOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** How long a flash takes, by the clock. */
  flashMs: number;
  /** How long a reboot keeps the DPU away, by the clock. */
  rebootMs: number;
  /** The version the DPU runs at start; default `bf-bundle-factory`. */
  initialVersion?: string;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: () => number | Promise<number>;
  /** TransferProgress interval in bytes; default 1 MiB. */
  progressEveryBytes?: number;
  /** Server credentials; default insecure. */
  credentials?: grpc.ServerCredentials;
}

export interface DmsSimulator {
  /** `host:port` to dial, e.g. `127.0.0.1:40123`. */
  readonly address: string;
  readonly port: number;
  /** A copy of the counters (reboots are counted when observed). */
  readonly counters: DmsCounters;
  /** The simulated DPU, settled to the clock's now. */
  state(): Promise<DmsTargetState>;
  injectFault(fault: DmsFault): void;
  /** Arms a kill point (holds.ts): the next RPC to reach `step` stops there until released. */
  holdAt(step: DmsHoldStep): HeldStep;
  /** Disarms all faults; hung calls go on and answer. */
  clearFaults(): void;
  /** Closes the server at once (hung and streaming calls are cut). */
  stop(): Promise<void>;
}

type Status = { code: grpc.status; details: string };

const REFUSAL_CODES: Record<DmsRefusal['code'], grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  ABORTED: grpc.status.ABORTED,
};

function toStatus(err: unknown): Status {
  if (err instanceof DmsRefusal) return { code: REFUSAL_CODES[err.code], details: err.message };
  return { code: grpc.status.INTERNAL, details: `DMS simulator error: ${String(err)}` };
}

/**
 * RebootStatus answers for the whole DPU or for its `CPU` subcomponent, the
 * path DPF asks about (installing.go, commit in target.ts); any other path is
 * refused, naming it.
 */
function checkSubcomponents(paths: RebootStatusRequest__Output['subcomponents']): void {
  for (const p of paths) {
    const names = (p.elem ?? []).map((e) => e.name);
    if (names.length !== 1 || names[0] !== 'CPU') {
      throw new DmsRefusal(
        'INVALID_ARGUMENT',
        `subcomponent /${names.join('/')} is not one this DMS reports on; ask for /CPU or for none`,
      );
    }
  }
}

function msToNs(ms: number): string {
  return (BigInt(Math.max(0, Math.round(ms))) * 1_000_000n).toString();
}

function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startDmsSimulator(opts: DmsSimulatorOptions): Promise<DmsSimulator> {
  if (!Number.isFinite(opts.flashMs) || opts.flashMs < 0)
    throw new Error(`flashMs ${opts.flashMs} must be 0 or more`);
  if (!Number.isFinite(opts.rebootMs) || opts.rebootMs < 0)
    throw new Error(`rebootMs ${opts.rebootMs} must be 0 or more`);
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.clock ?? Date.now;
  const now = async (): Promise<number> => Number(await clock());
  const faults = new FaultBox();
  const target = new DmsTarget(
    opts.initialVersion ?? 'bf-bundle-factory',
    opts.flashMs,
    opts.rebootMs,
    faults,
  );
  const progressEveryBytes = opts.progressEveryBytes ?? 1024 * 1024;
  const holds = new StepHolds();

  /** Applies faults to a call; resolves true when it may go on. */
  async function admit(
    rpc: DmsRpcName,
    fail: (s: Status) => void,
    isCancelled: () => boolean,
  ): Promise<boolean> {
    for (;;) {
      const admission = faults.admit(rpc, await now());
      if (admission.kind === 'proceed') return !isCancelled();
      if (admission.kind === 'unavailable') {
        fail({ code: grpc.status.UNAVAILABLE, details: admission.detail });
        return false;
      }
      if ((await admission.released) === 'stopped' || isCancelled()) return false;
    }
  }

  function unary<Req, Res>(
    rpc: DmsRpcName,
    answer: (req: Req, nowMs: number) => Res,
  ): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      void (async () => {
        if (
          !(await admit(
            rpc,
            (s) => callback(s),
            () => call.cancelled,
          ))
        )
          return;
        try {
          const res = answer(call.request, await now());
          // Kill point `after-activate`: the activation is taken, its answer held.
          if (rpc === 'Activate') await holds.take('after-activate', call);
          if (call.cancelled) return; // the caller went while held: nobody to answer
          if (faults.takeLostAnswer(rpc)) {
            callback({
              code: grpc.status.UNAVAILABLE,
              details: `${rpc} took effect, then its answer was lost (injected LOSE_ANSWER)`,
            });
          } else callback(null, res);
        } catch (err) {
          callback(toStatus(err));
        }
      })();
    };
  }

  const osHandlers: OSHandlers = {
    Install: (call) => {
      void (async () => {
        const ok = await admit(
          'Install',
          (s) => call.emit('error', s),
          () => call.cancelled,
        );
        if (ok) serveInstall(call, target, faults, { progressEveryBytes, holds });
      })();
    },
    Activate: unary('Activate', (req, nowMs): ActivateResponse => {
      if (req.standbySupervisor) {
        return {
          activateError: { type: 'NOT_SUPPORTED_ON_BACKUP', detail: 'a DPU has no standby supervisor' },
        };
      }
      const outcome = target.activate(req.version, req.noReboot, nowMs);
      return outcome.kind === 'ok'
        ? { activateOk: {} }
        : { activateError: { type: outcome.type, detail: outcome.detail } };
    }),
    Verify: unary('Verify', (_req, nowMs) => {
      target.settle(nowMs);
      return { version: target.running, activationFailMessage: target.activationFailMessage ?? '' };
    }),
  };

  const systemHandlers: SystemHandlers = {
    Reboot: unary('Reboot', (req, nowMs) => {
      target.reboot(req.method, nsToMs(req.delay), req.message, nowMs);
      return {};
    }),
    RebootStatus: unary('RebootStatus', (req, nowMs): RebootStatusResponse => {
      checkSubcomponents(req.subcomponents);
      target.settle(nowMs);
      const last = target.last;
      const active = target.rebootActive(nowMs);
      return {
        active,
        wait: msToNs(target.rebootRemainingMs(nowMs)),
        when: last ? msToNs(last.startMs) : '0',
        reason: last?.reason ?? '',
        count: target.counters.reboots,
        method: last?.method === 'WARM' ? 'WARM' : last ? 'COLD' : 'UNKNOWN',
        status:
          active || !last
            ? { status: 'STATUS_UNKNOWN' }
            : last.failure
              ? { status: 'STATUS_FAILURE', message: last.failure }
              : { status: 'STATUS_SUCCESS' },
      };
    }),
  };

  const server = new grpc.Server();
  server.addService(osServiceDefinition(), osHandlers);
  server.addService(systemServiceDefinition(), systemHandlers);
  const credentials = opts.credentials ?? grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(formatAddress(host, opts.port ?? 0), credentials, (err, bound) =>
      err
        ? reject(
            new Error(
              `DMS simulator cannot listen on ${formatAddress(host, opts.port ?? 0)}: ${err.message}`,
            ),
          )
        : resolve(bound),
    );
  });

  let stopped = false;
  return {
    address: formatAddress(host, port),
    port,
    get counters(): DmsCounters {
      return { ...target.counters };
    },
    state: async () => target.snapshot(await now()),
    injectFault: (fault) => faults.inject(fault),
    holdAt: (step) => holds.holdAt(step),
    clearFaults: () => faults.clear(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      faults.stop();
      holds.cutAll();
      server.forceShutdown();
    },
  };
}
