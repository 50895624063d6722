/**
 * DpuService: the one long-lived workflow behind a DPUService object.
 *
 *   controller ──serviceChanged(gen, clusters)──▶ plan waves ─▶ per wave: namespace + pull Secrets,
 *               Application (written only if its spec hash changed) ─▶ wait Synced+Healthy for this release
 *               ─▶ next wave … ─▶ Ready (lastHealthy = this release)
 *   a wave Degraded / timed out ─▶ that wave's clusters back to lastHealthy, later waves untouched,
 *               RolloutStopped naming the cluster and why; wait for the next generation
 *   spec.paused ─▶ Paused: nothing written until a generation without it
 *   controller ──serviceDeleteRequested──▶ cancel what runs ─▶ delete Applications, wait until gone ─▶ finalizer released
 *
 * 1. Wait for a generation not yet taken up (or a delete).
 * 2. Paused: say so. Otherwise roll it out (rollout.ts → wave.ts → rollback.ts), cancelled at once
 *    by a delete or a newer generation; a failure retries could not fix is reported and the same
 *    generation tried again after retrySeconds.
 * 3. continueAsNew when history grows; back to 1.
 * 4. Deleting: delete.ts.
 *
 * Generations already seen are ignored, so a restarted controller changes nothing.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  serviceChangedSignal,
  serviceDeleteRequestedSignal,
  serviceStateQuery,
  supersedes,
  type DesiredService,
  type DpuServiceInput,
} from '../../model/dpu-service-api';
import { failureMessage } from '../toolkit';
import { deleteService } from './delete';
import { rollout } from './rollout';
import { notReady, report, startRun, type ServiceRun } from './run';

export async function dpuService(input: DpuServiceInput): Promise<string> {
  const ref = input.ref;
  if (!ref?.namespace || !ref.name)
    throw ApplicationFailure.nonRetryable(
      `DpuService input ref ${JSON.stringify(ref)} must name the DPUService's namespace and name`,
      'BadInput',
    );
  const run = startRun(input, workflowInfo().workflowId);
  listen(run);
  const pending = () =>
    !!run.desired && (!run.applied || supersedes(run.desired, { ...run.desired, ...run.applied }));

  while (!run.deleting) {
    // 1.
    await condition(() => run.deleting || pending());
    if (run.deleting) break;
    const d = run.desired!;
    run.applied = { generation: d.generation, clusters: d.clusters };
    run.state.appliedGeneration = d.generation;
    // 2.
    if (d.spec.paused) {
      const msg = 'paused (spec.paused): changes are not rolled out until it is resumed; nothing was deleted';
      await report(run, d, 'Paused', msg, [notReady('Paused', msg)], {
        type: 'Normal',
        reason: 'Paused',
        message: msg,
      });
    } else {
      await superviseRollout(run, d);
    }
    // 3.
    if (workflowInfo().continueAsNewSuggested && !run.deleting) {
      await continueAsNew<typeof dpuService>({
        ...input,
        desired: run.desired,
        applied: run.applied,
        lastHealthy: run.lastHealthy,
        deployed: run.deployed,
        deleting: run.deleting,
      });
    }
  }
  // 4.
  return deleteService(run);
}

/** The controller's signals and the state query. */
function listen(run: ServiceRun): void {
  setHandler(serviceChangedSignal, (d) => {
    if (supersedes(d, run.desired)) run.desired = d;
    run.state.desiredGeneration = run.desired?.generation;
  });
  setHandler(serviceDeleteRequestedSignal, () => {
    run.deleting = true;
    run.state.deleting = true;
  });
  setHandler(serviceStateQuery, () => run.state);
}

/** Runs generation d's rollout until it ends, fails, or a delete or a newer generation cancels it. */
async function superviseRollout(run: ServiceRun, d: DesiredService): Promise<void> {
  const scope = new CancellationScope();
  const running = scope.run(() => rollout(run, d));
  const outcome = await Promise.race([
    running.then(
      () => 'done' as const,
      async (err: unknown) => {
        if (isCancellation(err)) return 'done' as const;
        // What retries could not fix (a missing Secret or DPUCluster, a refused write): say so, try again later.
        const msg = `rollout of generation ${d.generation} failed: ${failureMessage(err)}; retrying in ${run.retrySeconds} s or on the next change`;
        await report(run, d, 'Degraded', msg, [notReady('RolloutFailed', msg)], {
          type: 'Warning',
          reason: 'RolloutFailed',
          message: msg,
        });
        return 'failed' as const;
      },
    ),
    condition(() => run.deleting).then(() => 'deleting' as const),
    // A newer generation (or a pause) during a long health wait takes over at once.
    condition(() => supersedes(run.desired!, d)).then(() => 'superseded' as const),
  ]);
  if (outcome === 'deleting' || outcome === 'superseded') {
    scope.cancel();
    // Cancelled, or failed while being cancelled: the next pass decides; a failure is logged, not lost.
    await running.catch((err: unknown) => {
      if (!isCancellation(err))
        log.warn('rollout failed while being cancelled', {
          generation: d.generation,
          error: failureMessage(err),
        });
    });
  }
  if (outcome === 'failed') {
    const moved = await condition(
      () => run.deleting || supersedes(run.desired!, d),
      `${run.retrySeconds} seconds`,
    );
    if (!moved) run.applied = undefined; // the same generation again
  }
}
