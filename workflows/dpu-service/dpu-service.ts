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
 * Generations already seen are ignored, so a restarted controller changes nothing.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  ClusterServiceStatus,
  DpuServicePhase,
  ServiceRelease,
} from '../../model/resources/dpu-service';
import type { KubeCondition } from '../../model/resources/common';
import {
  DEFAULT_HEALTH_TIMEOUT_SECONDS,
  serviceChangedSignal,
  serviceDeleteRequestedSignal,
  serviceStateQuery,
  supersedes,
  type DesiredService,
  type DpuServiceInput,
  type DpuServiceState,
} from '../../model/dpu-service-api';
import { describeRelease, dpuServiceProblems, planWaves, releaseOf, sameJson } from '../../model/dpu-service';
import { argo, waits } from './proxies';

type Cond = Omit<KubeCondition, 'lastTransitionTime'>;

/** The innermost message of a failure (an activity's ApplicationFailure inside its ActivityFailure). */
function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
const DELETE_TIMEOUT_SECONDS = 600;

export async function dpuService(input: DpuServiceInput): Promise<string> {
  const ref = input.ref;
  if (!ref?.namespace || !ref.name)
    throw ApplicationFailure.nonRetryable(
      `DpuService input ref ${JSON.stringify(ref)} must name the DPUService's namespace and name`,
      'BadInput',
    );
  const pollSeconds = input.pollSeconds ?? 5;
  const retrySeconds = input.retrySeconds ?? 60;
  let desired: DesiredService | undefined = input.desired;
  let applied = input.applied;
  let lastHealthy: ServiceRelease | undefined = input.lastHealthy;
  const deployed: Record<string, ServiceRelease> = { ...(input.deployed ?? {}) };
  let deleting = input.deleting ?? false;
  const clusterStatus: Record<string, ClusterServiceStatus> = {};
  const state: DpuServiceState = {
    phase: 'Pending',
    appliedGeneration: applied?.generation ?? 0,
    waves: [],
    deleting,
    message: '',
  };

  setHandler(serviceChangedSignal, (d) => {
    if (supersedes(d, desired)) desired = d;
    state.desiredGeneration = desired?.generation;
  });
  setHandler(serviceDeleteRequestedSignal, () => {
    deleting = true;
    state.deleting = true;
  });
  setHandler(serviceStateQuery, () => state);

  const workflowId = workflowInfo().workflowId;
  const report = (
    d: DesiredService | undefined,
    phase: DpuServicePhase,
    message: string,
    conditions: Cond[],
    event?: { type: 'Normal' | 'Warning'; reason: string; message: string },
  ) => {
    state.phase = phase;
    state.message = message;
    const gen = d?.generation ?? 0;
    return argo.dpuServiceReport({
      ref,
      status: {
        phase,
        message,
        ...(d ? { observedGeneration: d.generation } : {}),
        clusters: (d?.clusters ?? Object.keys(deployed)).map(
          (c) => clusterStatus[c] ?? { cluster: c, sync: 'Unknown', health: 'Unknown', revision: '' },
        ),
        ...(state.waves.length ? { waves: state.waves, totalWaves: state.waves.length } : {}),
        ...(state.currentWave !== undefined ? { currentWave: state.currentWave } : {}),
        ...(lastHealthy ? { lastHealthy } : {}),
        workflowId,
        ...(input.workflowUrl ? { workflowUrl: input.workflowUrl } : {}),
      },
      conditions: conditions.map((c) => ({ ...c, observedGeneration: gen })),
      ...(event ? { event } : {}),
    });
  };
  const notReady = (reason: string, message: string): Cond => ({
    type: 'Ready',
    status: 'False',
    reason,
    message,
  });

  /** One generation's rollout; returns when done, stopped, or (between waves) superseded. */
  async function rollout(d: DesiredService): Promise<void> {
    const problems = dpuServiceProblems(d.spec);
    const plan = problems.length ? { problem: problems.join('; ') } : planWaves(d.clusters, d.spec.rollout);
    if ('problem' in plan) {
      const msg = `spec refused: ${plan.problem}`;
      await report(d, 'Degraded', msg, [notReady('InvalidSpec', msg)], {
        type: 'Warning',
        reason: 'InvalidSpec',
        message: msg,
      });
      return;
    }
    const release = releaseOf(d.spec);
    const rel = describeRelease(release);
    const timeout = d.spec.rollout?.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS;
    state.waves = plan.waves;
    state.currentWave = undefined;

    // Clusters no longer targeted lose their Application.
    const gone = Object.keys(deployed).filter((c) => !d.clusters.includes(c));
    if (gone.length) {
      await waits(DELETE_TIMEOUT_SECONDS).dpuServiceDelete({
        service: ref,
        clusters: gone,
        namespace: d.spec.namespace,
        timeoutSeconds: DELETE_TIMEOUT_SECONDS,
        pollSeconds,
      });
      for (const c of gone) {
        delete deployed[c];
        delete clusterStatus[c];
      }
    }
    if (plan.waves.length === 0) {
      const msg = 'no DPUCluster is targeted: create one, or fix spec.clusters / spec.clusterSelector';
      await report(d, 'Pending', msg, [notReady('NoClusters', msg)]);
      return;
    }

    for (const [i, wave] of plan.waves.entries()) {
      if (supersedes(desired!, d) || deleting) return; // a newer generation takes over between waves
      state.currentWave = i + 1;
      const where = `wave ${i + 1}/${plan.waves.length} (${wave.join(', ')})`;
      await report(d, 'Progressing', `rolling out ${rel} to ${where}`, [
        notReady('Progressing', `rolling out ${rel} to ${where}`),
        { type: 'RolloutStopped', status: 'False', reason: 'Progressing', message: `rolling out ${rel}` },
      ]);
      for (const cluster of wave) {
        await argo.dpuServicePrepareCluster({
          service: ref,
          cluster,
          namespace: d.spec.namespace,
          imagePullSecrets: d.spec.imagePullSecrets ?? [],
        });
        await argo.dpuServiceApply({ service: ref, cluster, namespace: d.spec.namespace, release });
        deployed[cluster] = release;
      }
      const health = await waits(timeout).dpuServiceAwaitHealthy({
        service: ref,
        clusters: wave,
        release,
        namespace: d.spec.namespace,
        timeoutSeconds: timeout,
        pollSeconds,
      });
      for (const s of health.clusters) clusterStatus[s.cluster] = s;
      if (!health.ok) {
        const failed = health.failed!;
        const why = `DPUCluster ${failed.cluster}: ${failed.reason}`;
        const later = plan.waves.slice(i + 1).flat();
        const untouched = later.length ? `; ${later.join(', ')} left on what they had` : '';
        let phase: DpuServicePhase = 'Degraded';
        let msg = `rollout of ${rel} stopped at ${where}: ${why}; no healthy release to roll back to${untouched}`;
        if (lastHealthy && !sameJson(lastHealthy, release)) {
          for (const cluster of wave) {
            await argo.dpuServiceApply({
              service: ref,
              cluster,
              namespace: d.spec.namespace,
              release: lastHealthy,
            });
            deployed[cluster] = lastHealthy;
          }
          phase = 'RolledBack';
          msg = `rollout of ${rel} stopped at ${where}: ${why}; ${wave.join(', ')} rolled back to ${describeRelease(lastHealthy)}${untouched}`;
        }
        await report(
          d,
          phase,
          msg,
          [
            notReady('RolloutStopped', msg),
            { type: 'RolloutStopped', status: 'True', reason: 'HealthCheckFailed', message: msg },
          ],
          { type: 'Warning', reason: 'RolloutStopped', message: msg },
        );
        if (phase === 'RolledBack' && lastHealthy) {
          // Show what the rolled-back clusters report now (the stop stands either way).
          const back = await waits(timeout).dpuServiceAwaitHealthy({
            service: ref,
            clusters: wave,
            release: lastHealthy,
            namespace: d.spec.namespace,
            timeoutSeconds: timeout,
            pollSeconds,
          });
          for (const st of back.clusters) clusterStatus[st.cluster] = st;
          const after = back.ok
            ? `${msg}; ${wave.join(', ')} Synced and Healthy again on ${describeRelease(lastHealthy)}`
            : `${msg}; after the roll back DPUCluster ${back.failed!.cluster} is ${back.failed!.reason}`;
          await report(d, phase, after, [
            notReady('RolloutStopped', after),
            { type: 'RolloutStopped', status: 'True', reason: 'HealthCheckFailed', message: after },
          ]);
        }
        return;
      }
    }
    lastHealthy = release;
    const msg = `${rel} is Synced and Healthy in ${d.clusters.length} DPU cluster(s): ${d.clusters.join(', ')}`;
    await report(
      d,
      'Ready',
      msg,
      [
        { type: 'Ready', status: 'True', reason: 'Healthy', message: msg },
        { type: 'RolloutStopped', status: 'False', reason: 'RolloutComplete', message: msg },
      ],
      { type: 'Normal', reason: 'RolloutComplete', message: msg },
    );
  }

  const pending = () => !!desired && (!applied || supersedes(desired, { ...desired, ...applied }));

  while (!deleting) {
    await condition(() => deleting || pending());
    if (deleting) break;
    const d = desired!;
    applied = { generation: d.generation, clusters: d.clusters };
    state.appliedGeneration = d.generation;
    if (d.spec.paused) {
      const msg = 'paused (spec.paused): changes are not rolled out until it is resumed; nothing was deleted';
      await report(d, 'Paused', msg, [notReady('Paused', msg)], {
        type: 'Normal',
        reason: 'Paused',
        message: msg,
      });
    } else {
      const scope = new CancellationScope();
      const run = scope.run(() => rollout(d));
      const outcome = await Promise.race([
        run.then(
          () => 'done' as const,
          async (err: unknown) => {
            if (isCancellation(err)) return 'done' as const;
            // What retries could not fix (a missing Secret or DPUCluster, a refused write): say so, try again later.
            const msg = `rollout of generation ${d.generation} failed: ${failureMessage(err)}; retrying in ${retrySeconds} s or on the next change`;
            await report(d, 'Degraded', msg, [notReady('RolloutFailed', msg)], {
              type: 'Warning',
              reason: 'RolloutFailed',
              message: msg,
            });
            return 'failed' as const;
          },
        ),
        condition(() => deleting).then(() => 'deleting' as const),
        // A newer generation (or a pause) during a long health wait takes over at once.
        condition(() => supersedes(desired!, d)).then(() => 'superseded' as const),
      ]);
      if (outcome === 'deleting' || outcome === 'superseded') {
        scope.cancel();
        await run.catch(() => undefined); // cancelled, or failed while being cancelled: the next pass decides
      }
      if (outcome === 'failed') {
        const moved = await condition(() => deleting || supersedes(desired!, d), `${retrySeconds} seconds`);
        if (!moved) applied = undefined; // the same generation again
      }
    }
    if (workflowInfo().continueAsNewSuggested && !deleting) {
      await continueAsNew<typeof dpuService>({
        ...input,
        desired,
        applied,
        lastHealthy,
        deployed,
        deleting,
      });
    }
  }

  // Deleting: every cluster that got an Application, and every cluster targeted now.
  const clusters = [...new Set([...Object.keys(deployed), ...(desired?.clusters ?? [])])].sort();
  const namespace = desired?.spec.namespace ?? 'default';
  await report(desired, 'Deleting', `deleting the Applications in ${clusters.join(', ') || 'no cluster'}`, [
    notReady('Deleting', 'the DPUService is being deleted'),
  ]);
  // Until it works: a DPU cluster whose Argo CD is down keeps the DPUService (and says so), it is never orphaned.
  while (clusters.length) {
    try {
      await waits(DELETE_TIMEOUT_SECONDS).dpuServiceDelete({
        service: ref,
        clusters,
        namespace,
        timeoutSeconds: DELETE_TIMEOUT_SECONDS,
        pollSeconds,
      });
      break;
    } catch (err) {
      const msg = `deleting the Applications failed: ${failureMessage(err)}; trying again in ${retrySeconds} s`;
      await report(desired, 'Deleting', msg, [notReady('Deleting', msg)], {
        type: 'Warning',
        reason: 'DeleteFailed',
        message: msg,
      });
      await sleep(`${retrySeconds} seconds`);
    }
  }
  await argo.dpuServiceRelease(ref);
  return `DPUService ${ref.namespace}/${ref.name} deleted (Applications removed from ${clusters.length} DPU cluster(s))`;
}
