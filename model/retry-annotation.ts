/**
 * The retry annotation: an operator's `xpuflow dpu retry` for a DPU object,
 * through kubectl. The DPU controller passes it to the run parked in Error
 * and clears it once taken.
 *
 *   provisioning.xpuflow.dev/retry: ""            restart from the phase that failed
 *   provisioning.xpuflow.dev/retry: "true"        the same
 *   provisioning.xpuflow.dev/retry: "OS Installing" (or os-installing, OSInstalling…)  restart from that phase
 *
 * Pure: the controller and the operator hints use it.
 */
import { parsePhase, RETRYABLE_FROM, type Phase } from './phases';
import { GROUP } from './resources/common';

export const RETRY_ANNOTATION = `${GROUP}/retry`;

/** What an annotation value asks: a retry (from a phase, or the failed one), or a problem to report. */
export type RetryAsked = { fromPhase?: Phase } | { problem: string };

export function parseRetryAnnotation(value: string): RetryAsked {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'true') return {};
  const phase = parsePhase(v);
  if (!phase || !RETRYABLE_FROM.includes(phase)) {
    return {
      problem:
        `${RETRY_ANNOTATION} ${JSON.stringify(value)} names no phase a retry can start from: ` +
        `use "" or "true" (the phase that failed) or one of ${RETRYABLE_FROM.join(', ')}`,
    };
  }
  return { fromPhase: phase };
}
