/**
 * One generation's rollout:
 *
 *   spec refused ─▶ Degraded (InvalidSpec)
 *   clusters no longer targeted ─▶ their Applications deleted
 *   no cluster targeted ─▶ Pending (NoClusters)
 *   per wave (wave.ts), unless a newer generation or a delete came meanwhile ─▶ Ready (lastHealthy = this release)
 *
 * Returns when done, stopped, or (between waves) superseded.
 */
import { supersedes, DEFAULT_HEALTH_TIMEOUT_SECONDS, type DesiredService } from '../../model/dpu-service-api';
import { describeRelease, dpuServiceProblems, planWaves, releaseOf } from '../../model/dpu-service';
import { deleteApplications } from './delete';
import { notReady, report, type ServiceRun } from './run';
import { stopWave } from './rollback';
import { rolloutWave } from './wave';

export async function rollout(run: ServiceRun, d: DesiredService): Promise<void> {
  const problems = dpuServiceProblems(d.spec);
  const plan = problems.length ? { problem: problems.join('; ') } : planWaves(d.clusters, d.spec.rollout);
  if ('problem' in plan) {
    const msg = `spec refused: ${plan.problem}`;
    await report(run, d, 'Degraded', msg, [notReady('InvalidSpec', msg)], {
      type: 'Warning',
      reason: 'InvalidSpec',
      message: msg,
    });
    return;
  }
  const release = releaseOf(d.spec);
  const rel = describeRelease(release);
  const timeout = d.spec.rollout?.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS;
  run.state.waves = plan.waves;
  run.state.currentWave = undefined;

  // Clusters no longer targeted lose their Application.
  const gone = Object.keys(run.deployed).filter((c) => !d.clusters.includes(c));
  if (gone.length) {
    await deleteApplications(run, gone, d.spec.namespace);
    for (const c of gone) {
      delete run.deployed[c];
      delete run.clusterStatus[c];
    }
  }
  if (plan.waves.length === 0) {
    const msg = 'no DPUCluster is targeted: create one, or fix spec.clusters / spec.clusterSelector';
    await report(run, d, 'Pending', msg, [notReady('NoClusters', msg)]);
    return;
  }

  for (const index of plan.waves.keys()) {
    if (supersedes(run.desired!, d) || run.deleting) return; // a newer generation takes over between waves
    const wave = { release, rel, timeout, waves: plan.waves, index };
    const stopped = await rolloutWave(run, d, wave);
    if (stopped) return stopWave(run, d, wave, stopped);
  }
  run.lastHealthy = release;
  const msg = `${rel} is Synced and Healthy in ${d.clusters.length} DPU cluster(s): ${d.clusters.join(', ')}`;
  await report(
    run,
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
