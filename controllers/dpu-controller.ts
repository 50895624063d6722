/**
 * DPU controller: keeps one lifecycle workflow per DPU object informed.
 *
 *   new generation ─▶ signalWithStart(dpu-<ns>-<name>, specChanged{generation, spec})
 *   deleted        ─▶ signalWithStart(…, deleteRequested) — the workflow runs
 *                     DeleteDpu and releases the finalizer
 *
 * The workflow ID derives from the object and the workflow ignores a
 * generation it has seen, so a restarted controller starts nothing twice.
 * A DPU with a flavor is signalled once per (generation, flavor revision):
 * the revision is a digest of the flavor content it resolves to, so a flavor
 * deleted and created again with other content (or a DPU whose flavor
 * appears with content) runs the update flow, as a spec change does. Not for
 * a DPUSet's DPUs: all of them at once would bypass its maxUnavailable.
 * The retry annotation goes to a run parked in Error (retry-forwarder.ts).
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Kube } from '../platform/kube/client';
import { dpuLifecycleWorkflowId } from '../model/workflow-ids';
import { WorkflowType } from '../model/workflow-types';
import {
  DPU_FINALIZER,
  DPUSET_LABEL,
  HOST_POWER_CYCLED_ANNOTATION,
  refOf,
  type DpuResource,
} from '../model/resources/common';
import { deleteRequestedSignal, specChangedSignal, type DesiredDpu } from '../model/dpu-lifecycle-api';
import { operatorRebootedSignal } from '../model/dpu-provision-api';
import { addFinalizer, notReady, objectWorkflow, SignalledOnce } from './object-workflow';
import { resolveDpu, type Lookups, type ResolveSettings } from './resolve-dpu';
import { RetryForwarder } from './retry-forwarder';

export class DpuController {
  /** Generations (or the deletion) already signalled by this process, per object UID. */
  private readonly signalled: SignalledOnce;
  private readonly problems = new Map<string, string>();
  private readonly powerCycles = new Map<string, string>();
  private readonly retries: RetryForwarder;

  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly look: Lookups & { dpu(namespace: string, name: string): DpuResource | undefined },
    private readonly settings: ResolveSettings,
  ) {
    this.signalled = new SignalledOnce(temporal);
    this.retries = new RetryForwarder(kube, temporal);
  }

  /** A DPU waiting for its host's power cycle is told so when an operator sets the annotation to a new value. */
  private async forwardPowerCycle(dpu: DpuResource): Promise<void> {
    const value = dpu.metadata.annotations?.[HOST_POWER_CYCLED_ANNOTATION];
    const key = `${dpu.metadata.uid}/power-cycle`;
    if (!value || dpu.status?.phase !== 'Rebooting' || !dpu.status.workflowId) return;
    if (this.powerCycles.get(key) === value) return;
    await this.temporal.workflow
      .getHandle(dpu.status.workflowId)
      .signal(operatorRebootedSignal, { by: `annotation ${HOST_POWER_CYCLED_ANNOTATION}=${value}` });
    this.powerCycles.set(key, value);
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const dpu = this.look.dpu(namespace, name);
    if (!dpu) return;
    const ref = refOf(dpu.metadata);
    const uid = dpu.metadata.uid ?? name;
    const workflow = objectWorkflow(WorkflowType.dpuLifecycle, dpuLifecycleWorkflowId(ref), { ref });

    if (dpu.metadata.deletionTimestamp) {
      if (!dpu.metadata.finalizers?.includes(DPU_FINALIZER)) return;
      await this.signalled.signal(uid, 'delete', workflow, deleteRequestedSignal);
      return;
    }
    if (await addFinalizer(this.kube, 'DPU', dpu.metadata, DPU_FINALIZER)) return;

    await this.forwardPowerCycle(dpu);
    await this.retries.forward(dpu, workflow.workflowId);
    const generation = dpu.metadata.generation ?? 1;
    const resolved = resolveDpu(dpu, this.look, this.settings, workflow.workflowId);
    if ('problem' in resolved) {
      const { phase, reason, message } = resolved.problem;
      if (this.problems.get(uid) === message && dpu.status?.message === message) return;
      await this.kube.patchStatus('DPU', ref, {
        phase,
        message,
        conditions: notReady(dpu.status?.conditions, reason, message, generation),
      });
      await this.kube.event({ kind: 'DPU', ref }, 'Warning', reason, message);
      this.problems.set(uid, message);
      return;
    }
    this.problems.delete(uid);

    // A DPUSet's DPUs take new flavor content through the DPUSet's rollout (a template naming another
    // flavor, as DPF's immutable flavors have it), so maxUnavailable holds: no revision for them.
    const flavorRevision =
      dpu.spec.flavor && !dpu.metadata.labels?.[DPUSET_LABEL]
        ? revisionOf(resolved.spec.bfCfg?.flavor)
        : undefined;
    const mark = flavorRevision ? `${generation}/${flavorRevision}` : generation;
    if (this.signalled.has(uid, mark)) return;
    // Without a flavor, a run before a restart took this generation. With one, the controller cannot tell
    // which revision it took: it signals, and the lifecycle ignores a (generation, revision) it has seen.
    if (!flavorRevision && (dpu.status?.observedGeneration ?? 0) >= generation && dpu.status?.workflowId) {
      this.signalled.remember(uid, mark);
      return;
    }
    const desired: DesiredDpu = {
      generation,
      spec: resolved.spec,
      ...(flavorRevision ? { flavorRevision } : {}),
    };
    await this.signalled.signal(uid, mark, workflow, specChangedSignal, desired);
  }
}

/** 16 hex digits of the sha256 of the flavor content a DPU resolves to (keys in a stable order). */
function revisionOf(content: unknown): string {
  return createHash('sha256')
    .update(stableJson(content ?? {}))
    .digest('hex')
    .slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
