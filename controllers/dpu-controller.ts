/**
 * DPU controller: keeps one lifecycle workflow per DPU object informed.
 *
 *   new generation ─▶ signalWithStart(dpu-<ns>-<name>, specChanged{generation, spec})
 *   deleted        ─▶ signalWithStart(…, deleteRequested) — the workflow runs
 *                     DeleteDpu and releases the finalizer
 *
 * The workflow ID derives from the object and the workflow ignores a
 * generation it has seen, so a restarted controller starts nothing twice.
 */
import type { Client } from '@temporalio/client';
import { setCondition } from '../model/resources/conditions';
import type { Kube } from '../platform/kube/client';
import { dpuLifecycleWorkflowId } from '../model/workflow-ids';
import {
  DPU_FINALIZER,
  HOST_POWER_CYCLED_ANNOTATION,
  refOf,
  type DpuResource,
} from '../model/resources/common';
import type { DesiredDpu, DpuLifecycleInput } from '../model/dpu-lifecycle-api';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { resolveDpu, type Lookups, type ResolveSettings } from './resolve-dpu';

export class DpuController {
  /** Generations already signalled by this process, per object UID. */
  private readonly signalled = new Map<string, number>();
  private readonly problems = new Map<string, string>();
  private readonly powerCycles = new Map<string, string>();

  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly look: Lookups & { dpu(namespace: string, name: string): DpuResource | undefined },
    private readonly settings: ResolveSettings,
  ) {}

  /** A DPU waiting for its host's power cycle is told so when an operator sets the annotation to a new value. */
  private async forwardPowerCycle(dpu: DpuResource): Promise<void> {
    const value = dpu.metadata.annotations?.[HOST_POWER_CYCLED_ANNOTATION];
    const key = `${dpu.metadata.uid}/power-cycle`;
    if (!value || dpu.status?.phase !== 'Rebooting' || !dpu.status.workflowId) return;
    if (this.powerCycles.get(key) === value) return;
    await this.temporal.workflow
      .getHandle(dpu.status.workflowId)
      .signal('operatorRebooted', { by: `annotation ${HOST_POWER_CYCLED_ANNOTATION}=${value}` });
    this.powerCycles.set(key, value);
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const dpu = this.look.dpu(namespace, name);
    if (!dpu) return;
    const ref = refOf(dpu.metadata);
    const workflowId = dpuLifecycleWorkflowId(ref);
    const finalizers = dpu.metadata.finalizers ?? [];

    if (dpu.metadata.deletionTimestamp) {
      if (!finalizers.includes(DPU_FINALIZER)) return;
      if (this.signalled.get(`${dpu.metadata.uid}/delete`) === 1) return;
      await this.temporal.workflow.signalWithStart('dpuLifecycle', {
        workflowId,
        taskQueue: CONTROL_TASK_QUEUE,
        args: [{ ref } satisfies DpuLifecycleInput],
        signal: 'deleteRequested',
        signalArgs: [],
      });
      this.signalled.set(`${dpu.metadata.uid}/delete`, 1);
      return;
    }

    if (!finalizers.includes(DPU_FINALIZER)) {
      await this.kube.patch('DPU', ref, { metadata: { finalizers: [...finalizers, DPU_FINALIZER] } });
      return; // the update event brings the object back here
    }

    await this.forwardPowerCycle(dpu);
    const generation = dpu.metadata.generation ?? 1;
    const resolved = resolveDpu(dpu, this.look, this.settings, workflowId);
    if ('problem' in resolved) {
      const { phase, reason, message } = resolved.problem;
      if (this.problems.get(dpu.metadata.uid ?? name) === message && dpu.status?.message === message) return;
      await this.kube.patchStatus('DPU', ref, {
        phase,
        message,
        conditions: setCondition(
          dpu.status?.conditions,
          { type: 'Ready', status: 'False', reason, message, observedGeneration: generation },
          new Date().toISOString(),
        ),
      });
      await this.kube.event({ kind: 'DPU', ref }, 'Warning', reason, message);
      this.problems.set(dpu.metadata.uid ?? name, message);
      return;
    }
    this.problems.delete(dpu.metadata.uid ?? name);

    if (this.signalled.get(dpu.metadata.uid ?? name) === generation) return;
    if ((dpu.status?.observedGeneration ?? 0) >= generation && dpu.status?.workflowId) {
      this.signalled.set(dpu.metadata.uid ?? name, generation); // a run before a restart took it
      return;
    }
    const desired: DesiredDpu = { generation, spec: resolved.spec };
    await this.temporal.workflow.signalWithStart('dpuLifecycle', {
      workflowId,
      taskQueue: CONTROL_TASK_QUEUE,
      args: [{ ref } satisfies DpuLifecycleInput],
      signal: 'specChanged',
      signalArgs: [desired],
    });
    this.signalled.set(dpu.metadata.uid ?? name, generation);
  }
}
