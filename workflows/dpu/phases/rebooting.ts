/**
 * Rebooting: the new OS takes effect after a reboot. With automatic reboot,
 * DMS has already rebooted the DPU when it activated the BFB (OS Installing,
 * NVIDIA DPF's activation with no_reboot false). Runs started before that
 * change ask DMS for a reboot here, after a short delay (so the caller
 * returns first), and wait on durable timers until RebootStatus shows a new
 * boot that has finished — never "the activity returned". Without automatic
 * reboot, the flow says it waits for an operator and blocks on the
 * operatorRebooted signal. Either way it ends by checking the DPU runs the
 * version just flashed. Runs on the shorter-history path (fewer-events.ts)
 * wait for the operator's reboot in one activity retried on a backoff
 * (reboot-wait.ts) and check the version in a local activity.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { powerCycleEventMessage, powerCycleHint } from '../../../model/operator-hints';
import { Phase } from '../../../model/phases';
import { dmsCalls, dmsLocalCalls } from '../proxies';
import { awaitReboot } from './reboot-wait';
import { hasOlderPatch } from '../fewer-events';
import type { FlowContext, PhaseOutcome, ProvisionPhase } from '../context';
import { writeRunStatus } from '../status-writer';
import { pollUntil, type PollOptions } from '../../toolkit/poll-until';
import { DMS_ACTIVATES_WITH_CFG } from './dms-activation';

export const rebooting: ProvisionPhase = { phase: Phase.Rebooting, run: reboot };

async function reboot(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, timing } = ctx;
  const poll: PollOptions = {
    initialSeconds: timing.pollInitialSeconds,
    maxSeconds: timing.pollMaxSeconds,
    timeoutSeconds: timing.rebootTimeoutSeconds,
    timeoutMessage: `${spec.name} did not come back from its reboot within ${timing.rebootTimeoutSeconds} s; check the host ${spec.node} and DMS at ${spec.dmsAddress}, then retry from "Rebooting"`,
  };
  let how: string;
  if (!spec.automaticReboot) how = await rebootByOperator(ctx, poll);
  // DPF's activation (no_reboot false) had DMS reboot the DPU in OS Installing: nothing more to ask of it.
  else if (hasOlderPatch(ctx, DMS_ACTIVATES_WITH_CFG)) how = 'rebooted by DMS on activation';
  else how = await rebootByDms(ctx, poll);

  const expected = ctx.learnt.bfb?.fileName;
  const v = ctx.fewerEvents
    ? await dmsLocalCalls.dmsVerify(dmsOf(ctx))
    : await dmsCalls.dmsVerify(dmsOf(ctx));
  if (expected && v.version !== expected) {
    throw ApplicationFailure.nonRetryable(
      `${spec.name} came back running ${JSON.stringify(v.version)}, not ${expected}; retry from "OS Installing"`,
      'WrongVersionAfterReboot',
    );
  }
  return { done: `${how}; runs ${v.version}` };
}

function dmsOf(ctx: FlowContext) {
  return { dpu: ctx.spec.name, address: ctx.spec.dmsAddress };
}

async function rebootByDms(ctx: FlowContext, poll: PollOptions): Promise<string> {
  const { spec, book, timing } = ctx;
  const at = dmsOf(ctx);
  const before = await dmsCalls.dmsRebootStatus(at);
  await dmsCalls.dmsReboot({
    ...at,
    delaySeconds: timing.rebootDelaySeconds,
    message: 'xpuflow: activate new BFB',
  });
  book.progress({ step: `rebooting ${spec.name}` });
  await pollUntil(
    async () => {
      const s = await dmsCalls.dmsRebootStatus(at);
      return s.count > before.count && !s.active ? s : undefined;
    },
    poll,
    (elapsedMs) => book.progress({ step: `rebooting ${spec.name} (${Math.round(elapsedMs / 1000)} s)` }),
  );
  return 'rebooted by DMS';
}

async function rebootByOperator(ctx: FlowContext, poll: PollOptions): Promise<string> {
  const { spec, book } = ctx;
  ctx.operatorRebooted = false;
  book.waitFor(powerCycleHint(spec));
  await writeRunStatus(ctx, {
    type: 'Normal',
    reason: 'WaitingForPowerCycle',
    message: powerCycleEventMessage(spec),
  });
  await condition(() => ctx.operatorRebooted);
  book.waitFor(undefined);
  if (ctx.fewerEvents) {
    await awaitReboot(ctx, {
      what: `the reboot of ${spec.name} an operator started to end`,
      timeoutSeconds: poll.timeoutSeconds,
      timeoutMessage: poll.timeoutMessage,
    });
    return 'rebooted by an operator';
  }
  await pollUntil(async () => {
    const s = await dmsCalls.dmsRebootStatus(dmsOf(ctx));
    return s.active ? undefined : s;
  }, poll);
  return 'rebooted by an operator';
}
