/**
 * The retry annotation (model/retry-annotation.ts) passed to a DPU's run
 * parked in Error, as `xpuflow dpu retry -n NS NAME [--from PHASE]` passes it:
 * the run's `retry` update. The annotation is cleared once taken, and only
 * then; a value that names no phase, a retry the run refuses, and a DPU not
 * parked in Error each raise an Event saying why, and clear it too.
 *
 * A controller that restarts between the accepted update and the clear finds
 * the run out of Error (the retry took it out in the same workflow task that
 * accepted it), so it clears the annotation without a second retry.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { DpuStatus } from '../model/dpu';
import { lifecycleStateQuery } from '../model/dpu-lifecycle-api';
import { retryUpdate, statusQuery } from '../model/dpu-provision-api';
import { Phase } from '../model/phases';
import { refOf, type DpuResource, type ObjectRef } from '../model/resources/common';
import { parseRetryAnnotation, RETRY_ANNOTATION } from '../model/retry-annotation';
import { statusCode, type Kube } from '../platform/kube/client';

export class RetryForwarder {
  constructor(
    private readonly kube: Kube,
    private readonly temporal: Client,
  ) {}

  /** Passes the DPU's retry annotation, if it has one, to its run parked in Error (lifecycle `lifecycleId`). */
  async forward(dpu: DpuResource, lifecycleId: string): Promise<void> {
    const value = dpu.metadata.annotations?.[RETRY_ANNOTATION];
    if (value === undefined) return;
    const ref = refOf(dpu.metadata);
    const asked = parseRetryAnnotation(value);
    if ('problem' in asked) {
      await this.kube.event({ kind: 'DPU', ref }, 'Warning', 'RetryRefused', asked.problem);
      await this.clear(ref, value);
      return;
    }
    const run = await this.parkedRun(lifecycleId);
    if ('notParked' in run) {
      await this.kube.event(
        { kind: 'DPU', ref },
        'Normal',
        'RetryAnnotationCleared',
        `${RETRY_ANNOTATION}=${JSON.stringify(value)} cleared: ${run.notParked}`,
      );
      await this.clear(ref, value);
      return;
    }
    const by = `annotation ${RETRY_ANNOTATION}=${JSON.stringify(value)}`;
    try {
      const accepted = await this.temporal.workflow
        .getHandle(run.workflowId)
        .executeUpdate(retryUpdate, { args: [{ ...asked, by }] });
      await this.kube.event(
        { kind: 'DPU', ref },
        'Normal',
        'RetryAccepted',
        `retry ${accepted.retry} restarts from ${accepted.restartingFrom} (${by})`,
      );
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err; // not taken: the reconcile is retried
      await this.kube.event(
        { kind: 'DPU', ref },
        'Warning',
        'RetryRefused',
        `${by} refused: ${err.cause?.message ?? err.message}`,
      );
    }
    await this.clear(ref, value);
  }

  /** The lifecycle's running flow when it is parked in Error, or why there is none. */
  private async parkedRun(lifecycleId: string): Promise<{ workflowId: string } | { notParked: string }> {
    let running: string | undefined;
    try {
      running = (await this.temporal.workflow.getHandle(lifecycleId).query(lifecycleStateQuery)).running;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        return { notParked: `the DPU has no lifecycle run (${lifecycleId}) yet: nothing to retry` };
      throw err;
    }
    if (!running) return { notParked: 'no provisioning run is open (the last one ended): nothing to retry' };
    let status: DpuStatus;
    try {
      status = await this.temporal.workflow.getHandle(running).query(statusQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError)
        return { notParked: `its run ${running} is not started yet: nothing to retry` };
      throw err;
    }
    if (status.phase !== Phase.Error)
      return {
        notParked: `run ${running} is in phase ${status.phase}, not Error (a retry was taken, or nothing failed)`,
      };
    return { workflowId: running };
  }

  /** Removes the annotation if it still has the value acted on; a changed or removed one is left to its own reconcile. */
  private async clear(ref: ObjectRef, value: string): Promise<void> {
    const path = `/metadata/annotations/${RETRY_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      await this.kube.jsonPatch('DPU', ref, [
        { op: 'test', path, value },
        { op: 'remove', path },
      ]);
    } catch (err) {
      // 404: the DPU is gone. 422: the test op failed, the annotation changed meanwhile (its update event queues it again).
      const code = statusCode(err);
      if (code !== 404 && code !== 422) throw err;
    }
  }
}
