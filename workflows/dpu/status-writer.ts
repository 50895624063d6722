/**
 * The one writer of a DPU object's Kubernetes status. Every DPU flow
 * (provision, update, delete, the lifecycle) writes through writeDpuStatus,
 * so `kubectl get dpus` reads the same whichever flow wrote last; each write
 * may raise an Event. A DPU that is no Kubernetes object has nothing to write.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { DpuReport } from '../../activities/kube';
import type { Condition, DpuSpec, DpuStatus } from '../../model/dpu';
import { Phase } from '../../model/phases';
import type { FlowContext } from './context';
import { kubeCalls, kubeLocalCalls } from './proxies';

export type KubeEvent = NonNullable<DpuReport['event']>;

export interface DpuStatusWrite {
  /** A provisioning phase, or a flow's own word ('Deleting'). */
  phase: string;
  message: string;
  conditions?: Condition[];
  event?: KubeEvent;
  /**
   * This run is the DPU's provisioning run: its workflow ID and UI link go into
   * the status. Other flows leave the ones there.
   */
  provisioningRun?: boolean;
}

/**
 * Writes `w` to the DPU object's status. `local`: as a local activity, in the
 * workflow task that goes on to the work it describes (a run on the
 * STATUS_WITH_WORK path, fewer-events.ts); otherwise as an activity of its own.
 */
export async function writeDpuStatus(spec: DpuSpec, w: DpuStatusWrite, local = false): Promise<void> {
  const k = spec.kube;
  if (!k) return;
  await (local ? kubeLocalCalls : kubeCalls).kubeReportDpu({
    ref: k.ref,
    generation: k.generation,
    phase: w.phase,
    message: w.message,
    conditions: w.conditions ?? [],
    workflowId: w.provisioningRun ? workflowInfo().workflowId : '',
    ...(w.provisioningRun && k.workflowUrl ? { workflowUrl: k.workflowUrl } : {}),
    ready: w.phase === Phase.Ready,
    ...(w.event ? { event: w.event } : {}),
  });
}

/** ProvisionDpu's status as its book has it: each phase change and error. */
export async function writeRunStatus(ctx: FlowContext, event?: KubeEvent): Promise<void> {
  const s = ctx.book.snapshot();
  await writeDpuStatus(
    ctx.spec,
    {
      phase: s.phase,
      message: statusMessage(s),
      conditions: s.conditions,
      provisioningRun: true,
      ...(event ? { event } : {}),
    },
    ctx.statusWithWork === true,
  );
}

function statusMessage(s: DpuStatus): string {
  if (s.phase === Phase.Error && s.lastError) {
    const failed = `${s.lastError.phase} failed: ${s.lastError.message}`;
    return s.waitingFor ? `${failed}; ${s.waitingFor}` : failed;
  }
  if (s.waitingFor) return `waiting for ${s.waitingFor}`;
  const last = s.phases[s.phases.length - 1];
  return last?.message ?? s.phase;
}
