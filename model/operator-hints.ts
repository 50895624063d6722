/**
 * What a DPU flow asks of an operator, in the words the status, the events
 * and the CLI show. Pure: the flows say which hint applies, the wording
 * (commands to run included) lives here.
 */
import type { DpuSpec } from './dpu';
import { HOST_POWER_CYCLED_ANNOTATION } from './resources/common';
import { RETRY_ANNOTATION } from './retry-annotation';

type Dpu = Pick<DpuSpec, 'name' | 'node' | 'kube'>;

/** Rebooting without automatic reboot: power-cycle the host, then tell the flow (annotation or CLI). */
export function powerCycleHint(dpu: Dpu): string {
  const then = dpu.kube
    ? `\`kubectl annotate dpu ${dpu.kube.ref.name} -n ${dpu.kube.ref.namespace} ${HOST_POWER_CYCLED_ANNOTATION}=$(date +%s) --overwrite\``
    : `run \`xpuflow dpu reboot-done ${dpu.name}\``;
  return `operator: power-cycle host ${dpu.node} to reboot ${dpu.name}, then ${then}`;
}

/** The Event beside powerCycleHint on a DPU object. */
export function powerCycleEventMessage(dpu: Dpu): string {
  return `power-cycle host ${dpu.node}, then annotate the DPU`;
}

/** A provisioning run parked in Error: the command (and, for a DPU object, the annotation) that retries it. */
export function retryHint(dpu: Pick<DpuSpec, 'name' | 'kube'>): string {
  if (!dpu.kube) {
    return `operator: fix the cause, then \`xpuflow dpu retry ${dpu.name}\` (optionally --from <phase>)`;
  }
  const { namespace, name } = dpu.kube.ref;
  return (
    `operator: fix the cause, then \`xpuflow dpu retry -n ${namespace} ${name}\` (optionally --from <phase>), ` +
    `or \`kubectl annotate dpu ${name} -n ${namespace} ${RETRY_ANNOTATION}=true\` (or =<phase>)`
  );
}

/** A delete step that could not be done. */
export function undoByHandHint(what: string, why: string): string {
  return `${what} failed: ${why}; undo it by hand`;
}
