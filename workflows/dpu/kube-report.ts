/**
 * When the DPU is a Kubernetes object, each phase change and error is written
 * to its status and raised as an Event, so `kubectl get dpus` tells the truth.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { DpuStatus } from '../../model/dpu';
import { Phase } from '../../model/phases';
import { kube } from './proxies';
import type { FlowContext } from './context';

export async function reportToKube(
  ctx: FlowContext,
  event?: { type: 'Normal' | 'Warning'; reason: string; message: string },
): Promise<void> {
  const k = ctx.spec.kube;
  if (!k) return;
  const s = ctx.book.snapshot();
  const workflowId = workflowInfo().workflowId;
  await kube.kubeReportDpu({
    ref: k.ref,
    generation: k.generation,
    phase: s.phase,
    message: statusMessage(s),
    conditions: s.conditions,
    workflowId,
    ...(k.workflowUrl ? { workflowUrl: k.workflowUrl } : {}),
    ready: s.phase === Phase.Ready,
    ...(event ? { event } : {}),
  });
}

function statusMessage(s: DpuStatus): string {
  if (s.phase === Phase.Error && s.lastError) return `${s.lastError.phase} failed: ${s.lastError.message}`;
  if (s.waitingFor) return `waiting for ${s.waitingFor}`;
  const last = s.phases[s.phases.length - 1];
  return last?.message ?? s.phase;
}
