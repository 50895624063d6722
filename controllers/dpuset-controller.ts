/**
 * DPUSet controller: one DPU object per DPU the set wants (the selected
 * nodes' reports, DPUDevices, or both under installPath auto:
 * ./dpuset-wanted.ts), made from the set's template; a changed template rolled out by a DpuSetRollout
 * workflow (RollingUpdate) or left for deletion (OnDelete); counts in status.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { setCondition } from '../model/resources/conditions';
import { isConflict, type Kube } from '../platform/kube/client';
import { dpusetRolloutWorkflowId, rolloutTemplateHash } from '../model/workflow-ids';
import { WorkflowType, type DpuSetRolloutWorkflow } from '../model/workflow-types';
import {
  API_VERSION,
  DPUSET_LABEL,
  TEMPLATE_HASH_ANNOTATION,
  refOf,
  type DpuResource,
  type DpuSetResource,
} from '../model/resources/common';
import { resolveMaxUnavailable, setPausedSignal, type DpuSetRolloutInput } from '../model/dpuset-api';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { isDpuReady } from '../activities/kube/dpuset';
import { templateHash } from './template-hash';
import { wantedDpus, type DpuSetLookups, type WantedDpu } from './dpuset-wanted';

export type { DpuSetLookups } from './dpuset-wanted';

export interface DpuSetSettings {
  settleTimeoutSeconds: number;
  workflowUrl: (workflowId: string) => string | undefined;
}

const RUNNING_CACHE_MS = 5000;

export class DpuSetController {
  private readonly pausedSent = new Map<string, boolean>();
  private readonly runningSeenAt = new Map<string, number>();
  private readonly waitingReported = new Map<string, string>();

  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly look: DpuSetLookups,
    private readonly settings: DpuSetSettings,
  ) {}

  async reconcile(namespace: string, name: string): Promise<void> {
    const set = this.look.set(namespace, name);
    const mine = this.look.dpus(namespace).filter((d) => d.metadata.labels?.[DPUSET_LABEL] === name);
    if (!set || set.metadata.deletionTimestamp) return this.deleteDpusOfGoneSet(namespace, name, mine);
    const now = new Date().toISOString();
    if (!(await this.bfbExists(namespace, set, now))) return;

    const hash = templateHash(set.spec.dpuTemplate);
    const waiting = new Map<string, string>();
    const wanted = wantedDpus(set, namespace, this.look, waiting);
    // DPUDevices not known yet (informer not synced, CRD not served): wait, rather than delete every DPU.
    if (!wanted) return;
    await this.reportWaitingDevices(set, waiting);
    await this.createMissingDpus(namespace, set, hash, wanted, mine);
    await this.deleteUnwantedDpus(set, wanted, mine);

    const live = mine.filter((d) => wanted.has(d.metadata.name));
    const outdated = live
      .filter((d) => d.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] !== hash)
      .map((d) => d.metadata.name)
      .sort();
    let rolloutStatus: Record<string, unknown> = {};
    if (outdated.length > 0 && (set.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const rolloutId = await this.ensureRollout(set, hash, outdated, wanted.size);
      rolloutStatus = {
        rolloutWorkflowId: rolloutId,
        ...(this.settings.workflowUrl(rolloutId)
          ? { rolloutWorkflowUrl: this.settings.workflowUrl(rolloutId) }
          : {}),
      };
    }
    await this.writeCounts(set, hash, wanted.size, live, rolloutStatus, now);
  }

  /**
   * The cache may lag: only a set the API server no longer has (or is
   * deleting) takes its DPUs along, each through its delete flow (no garbage
   * collector is assumed).
   */
  private async deleteDpusOfGoneSet(namespace: string, name: string, mine: DpuResource[]): Promise<void> {
    const live = await this.kube.get<DpuSetResource>('DPUSet', { namespace, name });
    if (live && !live.metadata.deletionTimestamp) return;
    for (const d of mine) if (!d.metadata.deletionTimestamp) await this.kube.delete('DPU', refOf(d.metadata));
  }

  /** Whether the template's BFB exists; when not, the set's BFBReady condition and an Event say so. */
  private async bfbExists(namespace: string, set: DpuSetResource, now: string): Promise<boolean> {
    const ref = refOf(set.metadata);
    const bfbName = set.spec.dpuTemplate.spec.bfb;
    if (this.look.bfb(namespace, bfbName)) return true;
    const message = `waiting for BFB ${bfbName} in namespace ${namespace}: create it or fix spec.dpuTemplate.spec.bfb`;
    if (set.status?.conditions?.find((c) => c.type === 'BFBReady')?.message !== message) {
      await this.kube.patchStatus('DPUSet', ref, {
        observedGeneration: set.metadata.generation,
        conditions: setCondition(
          set.status?.conditions,
          { type: 'BFBReady', status: 'False', reason: 'BFBNotFound', message },
          now,
        ),
      });
      await this.kube.event({ kind: 'DPUSet', ref }, 'Warning', 'BFBNotFound', message);
    }
    return false;
  }

  /** One Warning Event per DPU a device cannot give its BMC block yet (and again when the reason changes). */
  private async reportWaitingDevices(set: DpuSetResource, waiting: Map<string, string>): Promise<void> {
    for (const [dpuName, problem] of waiting) {
      const key = `${set.metadata.namespace}/${set.metadata.name}/${dpuName}`;
      if (this.waitingReported.get(key) === problem) continue;
      await this.kube.event(
        { kind: 'DPUSet', ref: refOf(set.metadata) },
        'Warning',
        'DPUDeviceWaiting',
        `DPU ${dpuName} not created yet: ${problem}`,
      );
      this.waitingReported.set(key, problem);
    }
  }

  private async createMissingDpus(
    namespace: string,
    set: DpuSetResource,
    hash: string,
    wanted: Map<string, WantedDpu>,
    mine: DpuResource[],
  ): Promise<void> {
    const { name } = set.metadata;
    const template = set.spec.dpuTemplate;
    for (const [dpuName, at] of wanted) {
      if (mine.some((d) => d.metadata.name === dpuName)) continue;
      try {
        await this.kube.create('DPU', namespace, {
          metadata: {
            name: dpuName,
            namespace,
            labels: { ...(template.metadata?.labels ?? {}), [DPUSET_LABEL]: name },
            annotations: { ...(template.metadata?.annotations ?? {}), [TEMPLATE_HASH_ANNOTATION]: hash },
            ownerReferences: [
              {
                apiVersion: API_VERSION,
                kind: 'DPUSet',
                name,
                uid: set.metadata.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            ...template.spec,
            nodeName: at.node,
            pciAddress: at.pci,
            ...(at.bmc ? { bmc: at.bmc } : {}),
            // Under the template's `auto` each DPU names its concrete path: a DPU never carries `auto`.
            ...(at.installPath ? { installPath: at.installPath } : {}),
          },
        });
        await this.kube.event(
          { kind: 'DPUSet', ref: refOf(set.metadata) },
          'Normal',
          'DPUCreated',
          `created DPU ${dpuName} for ${at.pci} on ${at.node}`,
        );
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  private async deleteUnwantedDpus(
    set: DpuSetResource,
    wanted: Map<string, unknown>,
    mine: DpuResource[],
  ): Promise<void> {
    for (const d of mine) {
      if (!wanted.has(d.metadata.name) && !d.metadata.deletionTimestamp) {
        await this.kube.delete('DPU', refOf(d.metadata));
        await this.kube.event(
          { kind: 'DPUSet', ref: refOf(set.metadata) },
          'Normal',
          'DPUDeleted',
          `deleted DPU ${d.metadata.name}: its node no longer matches or reports it`,
        );
      }
    }
  }

  /** The set's counts, rollout and BFBReady condition in its status, when they changed. */
  private async writeCounts(
    set: DpuSetResource,
    hash: string,
    size: number,
    live: DpuResource[],
    rolloutStatus: Record<string, unknown>,
    now: string,
  ): Promise<void> {
    const counts = {
      dpus: size,
      ready: live.filter(isDpuReady).length,
      updated: live.filter((d) => d.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] === hash).length,
      failed: live.filter((d) => d.status?.phase === 'Error').length,
    };
    const s = set.status ?? {};
    const bfbCond = s.conditions?.find((c) => c.type === 'BFBReady');
    const changed =
      s.observedGeneration !== set.metadata.generation ||
      s.dpus !== counts.dpus ||
      s.ready !== counts.ready ||
      s.updated !== counts.updated ||
      s.failed !== counts.failed ||
      bfbCond?.status !== 'True' ||
      (rolloutStatus.rolloutWorkflowId && s.rolloutWorkflowId !== rolloutStatus.rolloutWorkflowId);
    if (!changed) return;
    const bfbName = set.spec.dpuTemplate.spec.bfb;
    await this.kube.patchStatus('DPUSet', refOf(set.metadata), {
      observedGeneration: set.metadata.generation,
      ...counts,
      ...rolloutStatus,
      conditions: setCondition(
        s.conditions,
        { type: 'BFBReady', status: 'True', reason: 'Found', message: `BFB ${bfbName} exists` },
        now,
      ),
    });
  }

  /** Starts the rollout of this template, or finds the one running; pause changes are signalled to it. Returns its ID. */
  private async ensureRollout(
    set: DpuSetResource,
    hash: string,
    outdated: string[],
    size: number,
  ): Promise<string> {
    const ref = refOf(set.metadata);
    const paused = set.spec.paused ?? false;
    const previous = set.status?.rolloutWorkflowId;
    if (previous && (await this.isRunning(previous, set.metadata.generation ?? 1))) {
      if (rolloutTemplateHash(previous) === hash) {
        await this.sendPaused(previous, paused);
        return previous;
      }
      // A newer template replaces a rollout in flight; one that ended meanwhile needs no cancel.
      await this.temporal.workflow.getHandle(previous).cancel().catch(ignoreEnded);
    }
    const workflowId = dpusetRolloutWorkflowId(ref, hash, set.metadata.generation ?? 1);
    const input: DpuSetRolloutInput = {
      set: ref,
      templateHash: hash,
      template: set.spec.dpuTemplate.spec,
      dpus: outdated,
      maxUnavailable: resolveMaxUnavailable(set.spec.strategy?.rollingUpdate?.maxUnavailable, size),
      failureBudget: set.spec.failureBudget ?? 0,
      paused,
      dryRun: set.spec.dryRun ?? false,
      settleTimeoutSeconds: this.settings.settleTimeoutSeconds,
      ...(this.settings.workflowUrl(workflowId)
        ? { workflowUrl: this.settings.workflowUrl(workflowId) }
        : {}),
    };
    try {
      await this.temporal.workflow.start<DpuSetRolloutWorkflow>(WorkflowType.dpusetRollout, {
        workflowId,
        taskQueue: CONTROL_TASK_QUEUE,
        args: [input],
        // A rollout that ended (done, or stopped at its failure budget) is not run again for the same edit.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      this.pausedSent.set(workflowId, paused);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await this.sendPaused(workflowId, paused);
    }
    return workflowId;
  }

  /**
   * Whether a rollout still runs. Every status change of a DPU reconciles its
   * set, so a "running" answer is reused for a few seconds instead of asking
   * Temporal each time, but never across an edit of the set (its generation).
   */
  private async isRunning(workflowId: string, generation: number): Promise<boolean> {
    const key = `${workflowId}@${generation}`;
    const seen = this.runningSeenAt.get(key);
    if (seen !== undefined && Date.now() - seen < RUNNING_CACHE_MS) return true;
    // Not found (retention removed it) is not running; any other failure fails the reconcile, which retries.
    const running = await this.temporal.workflow
      .getHandle(workflowId)
      .describe()
      .then((d) => d.status.name === 'RUNNING')
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      });
    if (running) this.runningSeenAt.set(key, Date.now());
    else this.runningSeenAt.delete(key);
    return running;
  }

  /**
   * Signals a pause change once. Only a delivered signal is recorded as sent:
   * a failed one fails the reconcile (the work queue logs it and retries) and
   * is sent again. A rollout that has ended has nothing left to pause.
   */
  private async sendPaused(workflowId: string, paused: boolean): Promise<void> {
    if (this.pausedSent.get(workflowId) === paused) return;
    try {
      await this.temporal.workflow.getHandle(workflowId).signal(setPausedSignal, paused);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) {
        throw new Error(
          `cannot ${paused ? 'pause' : 'resume'} rollout ${workflowId}: ${(err as Error).message}; the signal is sent again on the next reconcile`,
          { cause: err },
        );
      }
    }
    this.pausedSent.set(workflowId, paused);
  }
}

/** A cancel of a run that has already ended (not found) has nothing to do; anything else is thrown. */
function ignoreEnded(err: unknown): void {
  if (!(err instanceof WorkflowNotFoundError)) throw err;
}
