/**
 * OS Installing and Rebooting on the redfish path: the DPU's BMC installs
 * the BFB and resets the DPU, as NVIDIA DPF's zero-trust flow does
 * (NVIDIA/doca-platform, internal/provisioning/controllers/dpu/state/redfish/installing.go,
 * commit 02f88055bd9f94046568b6b3067490fae4fb8ab7: SimpleUpdate of the BFB
 * into the DPU OS target, the task followed to 100 %, then the DPU's OS
 * awaited as running).
 *
 * OS Installing: one `redfishStartUpdate` (a retried attempt finds the update
 * an earlier one began, so kill -9 of the control worker never starts a
 * second), one `redfishFollowUpdate` that heartbeats the task's state and
 * percent until it completes (the pending activity in the UI), and one
 * `redfishAwaitVersion` while the BFB's installer boots the DPU into it.
 * Rebooting: `redfishResetDpu` (ComputerSystem.Reset) when the reboot is
 * automatic, else the operator's power cycle as on the gNOI path; then the
 * version after boot. No timers, no workflow poll loop: every wait is an
 * activity, retried by the server.
 *
 * The ImageURI is the BFB's URL as the BFB object names it. DPF serves the
 * BFB and its bf.cfg concatenated from its own BFB server
 * (`<registry>/bfb/??<bfb>,<cfg>?/bfb-to-install`, installing.go above);
 * xpuflow has no such server yet, so a redfish install uses the bf.cfg the
 * BFB carries (see README, "Install paths").
 */
import { condition } from '@temporalio/workflow';
import { bfbVersionOf } from '../../../model/install-path';
import { powerCycleEventMessage, powerCycleHint } from '../../../model/operator-hints';
import type { RedfishCallInput } from '../../../activities/redfish';
import type { FlowContext, PhaseOutcome } from '../context';
import { heartbeatTimeoutOf, redfishCalls, redfishWaits } from '../proxies';
import { writeRunStatus } from '../status-writer';

function bmcCallOf(ctx: FlowContext): RedfishCallInput {
  const { spec } = ctx;
  if (!spec.bmc) throw new Error(`DPU ${spec.name} takes installPath redfish without a bmc block`);
  return { dpu: spec.name, namespace: spec.kube?.ref.namespace ?? 'default', bmc: spec.bmc };
}

export async function installThroughBmc(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book, timing } = ctx;
  const at = bmcCallOf(ctx);
  const imageUri = spec.bfb.url;
  const expectVersion = bfbVersionOf(imageUri);
  // Workflow time: recorded in the activity's input, the same at every attempt and replay.
  const startedAt = new Date();
  const startedAfter = startedAt.toISOString();
  const file = ctx.learnt.bfb?.fileName ?? expectVersion;
  const step = {
    step: `BMC ${at.bmc.address} installing ${file} on ${spec.name}`,
    startedAt: startedAfter,
    expectedSeconds: timing.expectedFlashSeconds,
  };
  book.progress({ ...step, percent: 0 });

  const find = { imageUri, startedAfter, expectVersion };
  const started = await redfishCalls.redfishStartUpdate.executeWithOptions(
    { summary: `SimpleUpdate of ${file} on the BMC of ${spec.name}`, ...heartbeatTimeoutOf(timing) },
    [{ ...at, ...find, ...(ctx.reflash ? { reflash: true } : {}) }],
  );
  if (!started.task) return { done: `DPU already runs ${started.alreadyRunning}: nothing to flash` };

  const followed = await redfishWaits(
    timing.flashTimeoutSeconds,
    timing,
  ).redfishFollowUpdate.executeWithOptions(
    { summary: `follow BMC task ${started.task.task} installing ${file} on ${spec.name}` },
    [{ ...at, ...find, task: started.task, pollSeconds: timing.pollInitialSeconds }],
  );
  const booted = await awaitVersion(ctx, at, expectVersion, `${spec.name} to boot ${expectVersion}`);
  const minutes = ((Date.now() - startedAt.getTime()) / 60000).toFixed(1);
  const how = started.found ? 'found the install an earlier attempt started' : 'installed';
  return {
    done: `BMC ${at.bmc.address} ${how} ${file} (task ${followed.task} ${followed.state}, ${minutes} min); ${spec.name} booted ${booted}`,
  };
}

export async function resetThroughBmc(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book } = ctx;
  const at = bmcCallOf(ctx);
  let how: string;
  if (spec.automaticReboot) {
    const r = await redfishCalls.redfishResetDpu.executeWithOptions(
      { summary: `reset ${spec.name} through its BMC`, ...heartbeatTimeoutOf(ctx.timing) },
      [at],
    );
    how = `reset through BMC ${at.bmc.address} (${r.resetType} of ${r.system})`;
  } else {
    ctx.operatorRebooted = false;
    book.waitFor(powerCycleHint(spec));
    await writeRunStatus(ctx, {
      type: 'Normal',
      reason: 'WaitingForPowerCycle',
      message: powerCycleEventMessage(spec),
    });
    await condition(() => ctx.operatorRebooted);
    book.waitFor(undefined);
    how = 'rebooted by an operator';
  }
  const expected = bfbVersionOf(spec.bfb.url);
  const v = await awaitVersion(ctx, at, expected, `${spec.name} to come back running ${expected}`);
  return { done: `${how}; runs ${v}` };
}

async function awaitVersion(
  ctx: FlowContext,
  at: RedfishCallInput,
  expected: string,
  what: string,
): Promise<string> {
  const { timing } = ctx;
  const r = await redfishWaits(timing.rebootTimeoutSeconds, timing).redfishAwaitVersion.executeWithOptions(
    { summary: `await ${what}` },
    [
      {
        ...at,
        expected,
        timeoutSeconds: timing.rebootTimeoutSeconds,
        pollSeconds: timing.pollInitialSeconds,
      },
    ],
  );
  return r.version;
}
