/**
 * RolloutDpu: one DPU of a DPUSet rollout. Give the DPU object the new
 * template, then wait until its own lifecycle has settled that generation:
 * Ready (success) or Error (a failure the rollout counts against its budget).
 * The spec write is a local activity when the rollout says so (`localUpdate`):
 * one marker in the first workflow task, which goes on to schedule the wait.
 */
import type { RolloutDpuInput } from '../../model/dpuset-api';
import { kubeCalls, kubeLocalCalls, settleWaits } from './proxies';

export async function rolloutDpu(input: RolloutDpuInput): Promise<{ ready: boolean; message: string }> {
  const ref = { namespace: input.set.namespace, name: input.dpu };
  const kube = input.localUpdate === true ? kubeLocalCalls : kubeCalls;
  const generation = await kube.updateDpuToTemplate({
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
