/**
 * DPUService controller: keeps one DpuService workflow per DPUService object informed.
 *
 *   no finalizer        ─▶ add it (the Applications must go before the object does)
 *   bad spec            ─▶ status Pending + InvalidSpec condition + Event naming field and value; nothing started
 *   new generation, or another set of target DPUClusters
 *                       ─▶ signalWithStart(dpuservice-<ns>-<name>-<uid8>, serviceChanged{generation, spec, clusters})
 *   deleted             ─▶ signalWithStart(…, serviceDeleteRequested) — the workflow deletes the
 *                          Applications, waits until Argo CD let them go, and releases the finalizer
 *
 * Metadata-only changes (labels, annotations) do not bump the generation and signal nothing.
 */
import type { Client } from '@temporalio/client';
import type { Kube } from '../platform/kube/client';
import {
  DPU_SERVICE_FINALIZER,
  type DpuServiceResource,
  type DpuServiceSpec,
} from '../model/resources/dpu-service';
import { refOf, type DpuClusterResource } from '../model/resources/common';
import { dpuServiceProblems } from '../model/dpu-service';
import { dpuServiceWorkflowId } from '../model/workflow-ids';
import {
  serviceChangedSignal,
  serviceDeleteRequestedSignal,
  type DesiredService,
  type DpuServiceInput,
} from '../model/dpu-service-api';
import { WorkflowType } from '../model/workflow-types';
import { matchesSelector } from '../model/resources/label-selector';
import { addFinalizer, notReady, objectWorkflow, SignalledOnce } from './object-workflow';

export interface DpuServiceLookups {
  service(namespace: string, name: string): DpuServiceResource | undefined;
  clusters(namespace: string): DpuClusterResource[];
}

export interface DpuServiceControllerSettings {
  workflowUrl(id: string): string | undefined;
  /** How often the workflow's health wait polls the Applications (default 5 s). */
  pollSeconds?: number;
  /** After a failed rollout, how long until the workflow tries the same generation again (default 60 s). */
  retrySeconds?: number;
}

/** The DPUClusters a DPUService targets: spec.clusters, else spec.clusterSelector, else all; sorted. */
export function targetClusters(spec: DpuServiceSpec, clusters: DpuClusterResource[]): string[] {
  if (spec.clusters?.length) return [...new Set(spec.clusters)].sort();
  return clusters
    .filter((c) => !c.metadata.deletionTimestamp && matchesSelector(spec.clusterSelector, c.metadata.labels))
    .map((c) => c.metadata.name)
    .sort();
}

export class DpuServiceController {
  /** What this process signalled last, per object UID: `generation/clusters`, or "delete". */
  private readonly signalled: SignalledOnce;
  private readonly problems = new Map<string, string>();

  constructor(
    private readonly kube: Kube,
    temporal: Client,
    private readonly look: DpuServiceLookups,
    private readonly settings: DpuServiceControllerSettings,
  ) {
    this.signalled = new SignalledOnce(temporal);
  }

  private input(svc: DpuServiceResource): DpuServiceInput {
    const ref = refOf(svc.metadata);
    const url = this.settings.workflowUrl(dpuServiceWorkflowId(ref));
    return {
      ref,
      ...(url ? { workflowUrl: url } : {}),
      ...(this.settings.pollSeconds ? { pollSeconds: this.settings.pollSeconds } : {}),
      ...(this.settings.retrySeconds ? { retrySeconds: this.settings.retrySeconds } : {}),
    };
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const svc = this.look.service(namespace, name);
    if (!svc) return;
    const ref = refOf(svc.metadata);
    const uid = svc.metadata.uid ?? `${namespace}/${name}`;
    const workflow = objectWorkflow(WorkflowType.dpuService, dpuServiceWorkflowId(ref), this.input(svc));

    if (svc.metadata.deletionTimestamp) {
      if (!svc.metadata.finalizers?.includes(DPU_SERVICE_FINALIZER)) return;
      await this.signalled.signal(uid, 'delete', workflow, serviceDeleteRequestedSignal);
      return;
    }
    if (await addFinalizer(this.kube, 'DPUService', svc.metadata, DPU_SERVICE_FINALIZER)) return;

    const generation = svc.metadata.generation ?? 1;
    const problems = dpuServiceProblems(svc.spec);
    if (problems.length) {
      const message = `spec refused, nothing was rolled out: ${problems.join('; ')}`;
      if (this.problems.get(uid) === message && svc.status?.message === message) return;
      await this.kube.patchStatus('DPUService', ref, {
        phase: 'Pending',
        message,
        observedGeneration: generation,
        conditions: notReady(svc.status?.conditions, 'InvalidSpec', message, generation),
      });
      await this.kube.event({ kind: 'DPUService', ref }, 'Warning', 'InvalidSpec', message);
      this.problems.set(uid, message);
      return;
    }
    this.problems.delete(uid);

    const clusters = targetClusters(svc.spec, this.look.clusters(namespace));
    const desired: DesiredService = { generation, spec: svc.spec, clusters };
    await this.signalled.signal(
      uid,
      `${generation}/${clusters.join(',')}`,
      workflow,
      serviceChangedSignal,
      desired,
    );
  }
}
