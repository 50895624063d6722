/**
 * DPUDiscovery controller: one Temporal Schedule per DPUDiscovery, running
 * the dpuDiscovery flow every spec.scanInterval (visible in the Temporal UI
 * under Schedules, linked from status.scheduleUrl).
 *
 *   new object            ─▶ finalizer, create the schedule (first scan at once)
 *   new generation        ─▶ update the schedule's interval, input and pause; scan at once
 *   deleted               ─▶ delete the schedule, release the finalizer
 *
 * The schedule ID derives from the object (model/workflow-ids.ts), and its
 * note records the generation it was made for, so a restarted controller
 * finds it and changes nothing until the spec does. DPUDevices and DPUNodes a
 * discovery made stay when it is deleted: they describe hardware, not the scan.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { releaseFinalizer } from '../activities/kube/cluster-clients';
import type { Kube } from '../platform/kube/client';
import { refOf, type ObjectRef } from '../model/resources/common';
import { setCondition } from '../model/resources/conditions';
import { DPU_DISCOVERY_FINALIZER, type DpuDiscoveryResource } from '../model/resources/dpu-discovery';
import { durationMs, scanAddresses, scanWorkers, type DpuDiscoveryInput } from '../model/dpu-discovery-api';
import { dpuDiscoveryScheduleId, dpuDiscoveryWorkflowId } from '../model/workflow-ids';
import { WorkflowType, type DpuDiscoveryWorkflow } from '../model/workflow-types';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { addFinalizer } from './object-workflow';

export interface DpuDiscoverySettings {
  /** A link to a schedule in the Temporal UI, when the UI's address is known. */
  scheduleUrl: (scheduleId: string) => string | undefined;
  /** How long one probe may take (default: the activity's). */
  probeTimeoutMs?: number;
}

/** The note a schedule carries: the generation of the DPUDiscovery it was made from. */
function noteOf(generation: number): string {
  return `DPUDiscovery generation ${generation}`;
}

export class DpuDiscoveryController {
  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
    private readonly lookup: (namespace: string, name: string) => DpuDiscoveryResource | undefined,
    private readonly settings: DpuDiscoverySettings,
  ) {}

  async reconcile(namespace: string, name: string): Promise<void> {
    const disc = this.lookup(namespace, name);
    if (!disc) return;
    const ref = refOf(disc.metadata);
    const scheduleId = dpuDiscoveryScheduleId(ref);
    if (disc.metadata.deletionTimestamp) {
      if (!disc.metadata.finalizers?.includes(DPU_DISCOVERY_FINALIZER)) return;
      await this.temporal.schedule
        .getHandle(scheduleId)
        .delete()
        .catch((err: unknown) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
      await releaseFinalizer(this.kube, 'DPUDiscovery', ref, DPU_DISCOVERY_FINALIZER);
      return;
    }
    if (await addFinalizer(this.kube, 'DPUDiscovery', disc.metadata, DPU_DISCOVERY_FINALIZER)) return;

    const generation = disc.metadata.generation ?? 1;
    const problem = specProblem(disc);
    if (problem) {
      // The CRD's CEL rules refuse these; an object written before the CRD was updated lands here.
      if (disc.status?.conditions?.find((c) => c.type === 'ScheduleReady')?.message !== problem)
        await this.writeSchedule(disc, 'False', 'InvalidSpec', problem);
      return;
    }
    const existing = await this.temporal.schedule
      .getHandle(scheduleId)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) return undefined;
        throw err;
      });
    const interval = durationMs(disc.spec.scanInterval ?? '1h')!;
    const paused = disc.spec.paused ?? false;
    const action = this.action(disc, ref);
    if (!existing) {
      try {
        await this.temporal.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: interval }] },
          action,
          // A scan still running when the next is due: the next is skipped, never two at once.
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
          state: { paused, note: noteOf(generation), triggerImmediately: !paused },
        });
      } catch (err) {
        // Made by this controller before a restart, between describe and create: the next reconcile updates it.
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      }
    } else if (existing.state.note !== noteOf(generation)) {
      await this.temporal.schedule.getHandle(scheduleId).update<DpuDiscoveryWorkflow>((prev) => ({
        ...prev,
        spec: { intervals: [{ every: interval }] },
        action,
        state: { paused, note: noteOf(generation) },
      }));
      // A changed range is scanned now, not at the next interval; after a scan still running
      // (BUFFER_ONE: that one started with the old spec), never beside it.
      if (!paused)
        await this.temporal.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    }
    const message = `${paused ? 'paused' : `scans every ${disc.spec.scanInterval ?? '1h'}`} (schedule ${scheduleId})`;
    const cond = disc.status?.conditions?.find((c) => c.type === 'ScheduleReady');
    if (disc.status?.scheduleId !== scheduleId || cond?.message !== message || cond.status !== 'True')
      await this.writeSchedule(disc, 'True', paused ? 'Paused' : 'Scheduled', message);
  }

  /**
   * Scans now, outside the interval: a host's record names the serial of a
   * DPUDevice this discovery found but could not place (model/dpu-host-match.ts).
   * A scan in flight is not doubled: one more runs after it (BUFFER_ONE, as that one may have
   * read the hosts' records before this one appeared). A paused or deleted discovery,
   * or one whose schedule is not made yet (its first scan comes with it), is left alone.
   */
  async rescan(namespace: string, name: string): Promise<void> {
    const disc = this.lookup(namespace, name);
    if (!disc || disc.metadata.deletionTimestamp || disc.spec.paused) return;
    try {
      await this.temporal.schedule
        .getHandle(dpuDiscoveryScheduleId(refOf(disc.metadata)))
        .trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  private action(
    disc: DpuDiscoveryResource,
    ref: ObjectRef,
  ): ScheduleOptionsStartWorkflowAction<DpuDiscoveryWorkflow> {
    const s = disc.spec;
    const input: DpuDiscoveryInput = {
      discovery: { namespace: ref.namespace, name: ref.name },
      generation: disc.metadata.generation ?? 1,
      ipRangeSpec: s.ipRangeSpec,
      workers: scanWorkers(s.ipRangeSpec, s.workers),
      bmcCredentialsSecret: {
        name: s.bmcCredentialsSecret.name,
        usernameKey: s.bmcCredentialsSecret.usernameKey ?? 'username',
        passwordKey: s.bmcCredentialsSecret.passwordKey ?? 'password',
      },
      dpuDeviceLabels: s.dpuDeviceLabels ?? {},
      ...(this.settings.probeTimeoutMs ? { probeTimeoutMs: this.settings.probeTimeoutMs } : {}),
    };
    return {
      type: 'startWorkflow',
      workflowType: WorkflowType.dpuDiscovery,
      workflowId: dpuDiscoveryWorkflowId(ref),
      taskQueue: CONTROL_TASK_QUEUE,
      args: [input],
    };
  }

  private async writeSchedule(
    disc: DpuDiscoveryResource,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ): Promise<void> {
    const ref = refOf(disc.metadata);
    const scheduleId = dpuDiscoveryScheduleId(ref);
    const url = status === 'True' ? this.settings.scheduleUrl(scheduleId) : undefined;
    await this.kube.patchStatus('DPUDiscovery', ref, {
      ...(status === 'True' ? { scheduleId } : {}),
      ...(url ? { scheduleUrl: url } : {}),
      conditions: setCondition(
        disc.status?.conditions,
        { type: 'ScheduleReady', status, reason, message },
        new Date().toISOString(),
      ),
    });
    if (status === 'False') await this.kube.event({ kind: 'DPUDiscovery', ref }, 'Warning', reason, message);
  }
}

/** What in the spec no schedule can be made from (the CRD refuses each first), or undefined. */
function specProblem(disc: DpuDiscoveryResource): string | undefined {
  try {
    scanAddresses(disc.spec.ipRangeSpec);
  } catch (err) {
    return `${(err as Error).message}`;
  }
  const interval = disc.spec.scanInterval ?? '1h';
  const ms = durationMs(interval);
  if (ms === undefined || ms < 1000)
    return `spec.scanInterval ${JSON.stringify(interval)} is not a duration of at least 1s, like 30m or 1h`;
  return undefined;
}
