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
 * - Activate{version}: not staged → ActivateError NON_EXISTENT_VERSION;
 *   a `.cfg` → ActivateError UNSPECIFIED; running or being flashed → ActivateOK
 *   with no new flash (a retried Activate never flashes twice); another
 *   version being flashed → gRPC ABORTED (retry later); else ActivateOK and a
 *   flash starts (counters.flashes++) with the most recently staged `.cfg`.
 * - Verify: a flash that has run `flashMs` by the clock completes when
 *   observed; version = running version. If FLASH_FAIL was armed when the
 *   flash completed, the running version stays and activation_fail_message
 *   says why (cleared when the next flash starts).
 * - System.Reboot{method, delay ns, message}: schedules a reboot at now+delay;
 *   ALREADY_EXISTS while one is pending or in progress; INVALID_ARGUMENT for
 *   a method other than COLD or WARM. RebootStatus: active (wait = ns left)
 *   from reboot start until start+rebootMs; count = reboots started; when =
 *   ns (since the epoch, by the clock) of the last reboot start; reason and
 *   method of the last reboot; status SUCCESS once it is over.
 * - Faults (injectFault): UNAVAILABLE (every RPC fails with gRPC UNAVAILABLE
 *   for the next N calls or until a clock time), INTEGRITY_FAIL (the next
 *   Install that transfers fails validation), HANG (matching RPCs never
 *   answer until clearFaults() or stop()), FLASH_FAIL (the next flash fails).
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
import { FaultBox, type DmsFault, type DmsRpcName } from './faults';
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
          callback(null, answer(call.request, await now()));
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
        if (ok) serveInstall(call, target, faults, { progressEveryBytes });
      })();
    },
    Activate: unary('Activate', (req, nowMs): ActivateResponse => {
      if (req.standbySupervisor) {
        return {
          activateError: { type: 'NOT_SUPPORTED_ON_BACKUP', detail: 'a DPU has no standby supervisor' },
        };
      }
      const outcome = target.activate(req.version, nowMs);
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
    RebootStatus: unary('RebootStatus', (_req, nowMs): RebootStatusResponse => {
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
        status: active || !last ? { status: 'STATUS_UNKNOWN' } : { status: 'STATUS_SUCCESS' },
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
    clearFaults: () => faults.clear(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      faults.stop();
      server.forceShutdown();
    },
  };
}
