/**
 * OS Installing the way NVIDIA DPF drives DMS (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/gnoi/installing.go, commit
 * 6acfda03356adceb17657555ce4ecca01f6bb32c): the BFB and the bf.cfg are
 * installed as two packages (the bf.cfg's version ends in `.cfg`, DMS's
 * rule), then ONE Activate names both, `<bfb>;<cfg>`, with no_reboot false:
 * DMS installs the BFB with that bf.cfg and reboots the DPU itself. The flow
 * then polls System.RebootStatus for the `CPU` subcomponent on durable timers
 * until that reboot is over, and reads its status as DPF does (SUCCESS goes
 * on; RETRIABLE_FAILURE, FAILURE and UNKNOWN fail the phase).
 *
 * Runs that started before this path keep the old one (install, Activate of
 * the BFB alone, Verify polls, then a Reboot RPC): patched(DMS_ACTIVATES_WITH_CFG).
 * Runs on the shorter-history path (fewer-events.ts) read the status before
 * the activation in one local activity and wait in one `dmsAwaitReboot`
 * activity retried on a backoff (reboot-wait.ts) instead of the durable timers.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { DmsRebootStatusResult } from '../../../activities/dms';
import type { FetchedBfb, FlowContext, PhaseOutcome } from '../context';
import { dmsActivations, dmsCalls, dmsLocalCalls, heartbeatTimeoutOf } from '../proxies';
import { pollUntil } from '../../toolkit/poll-until';
import { awaitReboot } from './reboot-wait';

/** The patch that moves a run onto DPF's activation (OS Installing and Rebooting read it). */
export const DMS_ACTIVATES_WITH_CFG = 'dms-activates-bfb-with-cfg-and-reboots';

/** DPF's activation string: `<bfb file>;<cfg version>`. */
export function pairedVersion(bfb: string, cfg: string): string {
  return `${bfb};${cfg}`;
}

/** A reboot other than `before`: a changed count or a later start. */
function isNewer(s: DmsRebootStatusResult, before: DmsRebootStatusResult): boolean {
  return s.count !== before.count || s.whenNs !== before.whenNs;
}

/**
 * Activates `target` with the staged bf.cfg `cfgVersion` in one call and
 * waits until DMS has flashed and rebooted the DPU. `reflash`: the DPU
 * runs this BFB already and is flashed for a new bf.cfg, so only a reboot
 * since `before` shows an earlier attempt got through.
 */
export async function activateWithCfg(
  ctx: FlowContext,
  target: FetchedBfb,
  cfgVersion: string,
  reflash = false,
): Promise<PhaseOutcome> {
  const { spec, book, timing } = ctx;
  const at = { dpu: spec.name, address: spec.dmsAddress };
  const cpu = { ...at, subcomponent: 'CPU' as const };
  const version = pairedVersion(target.fileName, cfgVersion);

  // A reboot already under way (an operator's, an earlier run's) ends first, so the one seen next is this activation's.
  const idleTimeout = `a reboot of ${spec.name} was already under way and did not end within ${timing.rebootTimeoutSeconds} s; check DMS at ${spec.dmsAddress}, then retry from "OS Installing"`;
  const before = ctx.fewerEvents
    ? await rebootStatusWhenIdle(ctx, idleTimeout)
    : await pollUntil(
        async () => {
          const s = await dmsCalls.dmsRebootStatus(cpu);
          return s.active ? undefined : s;
        },
        {
          initialSeconds: timing.pollInitialSeconds,
          maxSeconds: timing.pollMaxSeconds,
          timeoutSeconds: timing.rebootTimeoutSeconds,
          timeoutMessage: idleTimeout,
        },
      );

  const started = Date.now();
  const step = {
    step: `DMS flashing ${target.fileName} with ${cfgVersion} and rebooting ${spec.name}`,
    startedAt: new Date(started).toISOString(),
    expectedSeconds: timing.expectedFlashSeconds,
  };
  book.progress({ ...step, percent: 0 });
  const sent = await dmsActivations.dmsActivate.executeWithOptions(
    { summary: `activate ${version} on DMS of ${spec.name}`, ...heartbeatTimeoutOf(timing) },
    [
      {
        ...at,
        version,
        noReboot: false,
        once: { bfb: target.fileName, before, ...(reflash ? { reflash: true } : {}) },
      },
    ],
  );
  if (sent.found?.kind === 'already-running') return { done: `${sent.found.detail}: nothing to flash` };

  const limit = timing.flashTimeoutSeconds + timing.rebootTimeoutSeconds;
  const afterTimeout = `DMS did not finish flashing ${target.fileName} and rebooting ${spec.name} within ${limit} s (RebootStatus of CPU still active); check DMS at ${spec.dmsAddress}, then retry from "OS Installing"`;
  const after = ctx.fewerEvents
    ? await awaitReboot(ctx, {
        newerThan: before,
        subcomponent: 'CPU',
        what: step.step,
        timeoutSeconds: limit,
        quietSeconds: timing.expectedFlashSeconds * 0.8,
        expectedSeconds: timing.expectedFlashSeconds,
        timeoutMessage: afterTimeout,
      })
    : await pollUntil(
        async () => {
          const s = await dmsCalls.dmsRebootStatus(cpu);
          return !s.active && isNewer(s, before) ? s : undefined;
        },
        {
          initialSeconds: timing.pollInitialSeconds,
          maxSeconds: timing.pollMaxSeconds,
          timeoutSeconds: limit,
          quietSeconds: timing.expectedFlashSeconds * 0.8,
          timeoutMessage: afterTimeout,
        },
        (elapsedMs) =>
          book.progress({
            ...step,
            percent: Math.min(99, (elapsedMs / 1000 / timing.expectedFlashSeconds) * 100),
          }),
      );
  if (after.status !== 'STATUS_SUCCESS') {
    const said = after.statusMessage ?? after.reason ?? 'no reason given';
    throw ApplicationFailure.nonRetryable(
      `DMS's reboot of ${spec.name} after activating ${version} ended with ${after.status ?? 'no status'}: ${said}; ` +
        `check the BFB and the bf.cfg, then retry from "OS Installing"`,
      'ActivationFailed',
      { dpu: spec.name, version, status: after.status, reason: after.reason },
    );
  }
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  return {
    done: `DMS flashed ${target.fileName} with ${cfgVersion} and rebooted ${spec.name} (${minutes} min)`,
  };
}

/** The CPU's reboot status once no reboot is under way: one local read, and a wait only when one is. */
async function rebootStatusWhenIdle(
  ctx: FlowContext,
  timeoutMessage: string,
): Promise<DmsRebootStatusResult> {
  const { spec, timing } = ctx;
  const now = await dmsLocalCalls.dmsRebootStatus({
    dpu: spec.name,
    address: spec.dmsAddress,
    subcomponent: 'CPU',
  });
  if (!now.active) return now;
  return awaitReboot(ctx, {
    subcomponent: 'CPU',
    what: `a reboot of ${spec.name} under way before the activation to end`,
    timeoutSeconds: timing.rebootTimeoutSeconds,
    timeoutMessage,
  });
}
