/**
 * Rebooting: the new OS takes effect after a reboot. With automatic reboot,
 * DMS reboots the DPU after a short delay (so the caller returns first) and
 * the flow waits on durable timers until RebootStatus shows a new boot that
 * has finished — never "the activity returned". Without it, the flow says it
 * waits for an operator and blocks on the operatorRebooted signal.
 * Either way it ends by checking the DPU runs the version just flashed.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { dms } from '../proxies';
import { HOST_POWER_CYCLED_ANNOTATION } from '../../../model/resources/common';
import type { FlowContext, PhaseOutcome } from '../context';
import { reportToKube } from '../kube-report';
import { pollUntil } from '../../toolkit/poll-until';

export async function rebooting(ctx: FlowContext): Promise<PhaseOutcome> {
  const { spec, book, timing } = ctx;
  const at = { dpu: spec.name, address: spec.dmsAddress };
  const poll = {
    initialSeconds: timing.pollInitialSeconds,
    maxSeconds: timing.pollMaxSeconds,
    timeoutSeconds: timing.rebootTimeoutSeconds,
    timeoutMessage: `${spec.name} did not come back from its reboot within ${timing.rebootTimeoutSeconds} s; check the host ${spec.node} and DMS at ${spec.dmsAddress}, then retry from "Rebooting"`,
  };
  let how: string;

  if (spec.automaticReboot) {
    const before = await dms.dmsRebootStatus(at);
    await dms.dmsReboot({
      ...at,
      delaySeconds: timing.rebootDelaySeconds,
      message: 'xpuflow: activate new BFB',
    });
    book.progress({ step: `rebooting ${spec.name}` });
    await pollUntil(
      async () => {
        const s = await dms.dmsRebootStatus(at);
        return s.count > before.count && !s.active ? s : undefined;
      },
      poll,
      (elapsedMs) => book.progress({ step: `rebooting ${spec.name} (${Math.round(elapsedMs / 1000)} s)` }),
    );
    how = 'rebooted by DMS';
  } else {
    ctx.operatorRebooted = false;
    if (spec.kube) {
      book.waitFor(
        `operator: power-cycle host ${spec.node} to reboot ${spec.name}, then \`kubectl annotate dpu ${spec.kube.ref.name} -n ${spec.kube.ref.namespace} ${HOST_POWER_CYCLED_ANNOTATION}=$(date +%s) --overwrite\``,
      );
      await reportToKube(ctx, {
        type: 'Normal',
        reason: 'WaitingForPowerCycle',
        message: `power-cycle host ${spec.node}, then annotate the DPU`,
      });
    } else {
      book.waitFor(
        `operator: power-cycle host ${spec.node} to reboot ${spec.name}, then run \`xpuflow dpu reboot-done ${spec.name}\``,
      );
    }
    await condition(() => ctx.operatorRebooted);
    book.waitFor(undefined);
    await pollUntil(async () => {
      const s = await dms.dmsRebootStatus(at);
      return s.active ? undefined : s;
    }, poll);
    how = 'rebooted by an operator';
  }

  const expected = ctx.learnt.bfb?.fileName;
  const v = await dms.dmsVerify(at);
  if (expected && v.version !== expected) {
    throw ApplicationFailure.nonRetryable(
      `${spec.name} came back running ${JSON.stringify(v.version)}, not ${expected}; retry from "OS Installing"`,
      'WrongVersionAfterReboot',
    );
  }
  return { done: `${how}; runs ${v.version}` };
}
