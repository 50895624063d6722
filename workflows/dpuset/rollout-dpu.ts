/**
 * RolloutDpu: one DPU of a DPUSet rollout. Give the DPU object the new
 * template, then wait until its own lifecycle has settled that generation:
 * Ready (success) or Error (a failure the rollout counts against its budget).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { KubeActivities } from '../../activities/kube';
import type { RolloutDpuInput } from '../../model/dpuset-api';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { kube } from '../dpu/proxies';

export async function rolloutDpu(input: RolloutDpuInput): Promise<{ ready: boolean; message: string }> {
  const ref = { namespace: input.set.namespace, name: input.dpu };
  const generation = await kube.updateDpuToTemplate({
    dpu: ref,
    spec: input.template,
    templateHash: input.templateHash,
  });
  const waiter = proxyActivities<KubeActivities>({
    taskQueue: CONTROL_TASK_QUEUE,
    startToCloseTimeout: `${input.settleTimeoutSeconds + 60} seconds`,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
  });
  return waiter.awaitDpuSettled({ dpu: ref, generation, timeoutSeconds: input.settleTimeoutSeconds });
}
