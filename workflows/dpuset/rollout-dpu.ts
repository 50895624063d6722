/**
 * RolloutDpu: one DPU of a DPUSet rollout. Give the DPU object the new
 * template, then wait until its own lifecycle has settled that generation:
 * Ready (success) or Error (a failure the rollout counts against its budget).
 */
import type { RolloutDpuInput } from '../../model/dpuset-api';
import { kubeCalls, settleWaits } from './proxies';

export async function rolloutDpu(input: RolloutDpuInput): Promise<{ ready: boolean; message: string }> {
  const ref = { namespace: input.set.namespace, name: input.dpu };
  const generation = await kubeCalls.updateDpuToTemplate({
    dpu: ref,
    spec: input.template,
    templateHash: input.templateHash,
  });
  return settleWaits(input.settleTimeoutSeconds).awaitDpuSettled({
    dpu: ref,
    generation,
    timeoutSeconds: input.settleTimeoutSeconds,
  });
}
