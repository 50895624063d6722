/**
 * A wave that failed its health check stops the rollout:
 *
 *   a last healthy release other than this one ─▶ the wave's clusters back to it (later waves untouched)
 *     ─▶ RolledBack, RolloutStopped naming the cluster and why ─▶ wait for the rolled-back clusters, say how they are
 *   none ─▶ Degraded, RolloutStopped naming the cluster and why
 *
 * Either way the workflow then waits for the next generation.
 */
import type { DpuServicePhase } from '../../model/resources/dpu-service';
import type { DesiredService } from '../../model/dpu-service-api';
import { describeRelease, sameJson } from '../../model/dpu-service';
import { argoCalls } from './proxies';
import { awaitHealthy, notReady, report, type Cond, type ServiceRun, type Wave } from './run';
import type { StoppedWave } from './wave';

const stopped = (message: string): Cond[] => [
  notReady('RolloutStopped', message),
  { type: 'RolloutStopped', status: 'True', reason: 'HealthCheckFailed', message },
];

export async function stopWave(
  run: ServiceRun,
  d: DesiredService,
  w: Wave,
  { where, failed }: StoppedWave,
): Promise<void> {
  const wave = w.waves[w.index];
  const lastHealthy = run.lastHealthy;
  const why = `DPUCluster ${failed.cluster}: ${failed.reason}`;
  const later = w.waves.slice(w.index + 1).flat();
  const untouched = later.length ? `; ${later.join(', ')} left on what they had` : '';
  let phase: DpuServicePhase = 'Degraded';
  let msg = `rollout of ${w.rel} stopped at ${where}: ${why}; no healthy release to roll back to${untouched}`;
  if (lastHealthy && !sameJson(lastHealthy, w.release)) {
    for (const cluster of wave) {
      await argoCalls.dpuServiceApply({
        service: run.ref,
        cluster,
        namespace: d.spec.namespace,
        release: lastHealthy,
      });
      run.deployed[cluster] = lastHealthy;
    }
    phase = 'RolledBack';
    msg = `rollout of ${w.rel} stopped at ${where}: ${why}; ${wave.join(', ')} rolled back to ${describeRelease(lastHealthy)}${untouched}`;
  }
  await report(run, d, phase, msg, stopped(msg), { type: 'Warning', reason: 'RolloutStopped', message: msg });
  if (phase === 'RolledBack' && lastHealthy) {
    // Show what the rolled-back clusters report now (the stop stands either way).
    const back = await awaitHealthy(run, d, wave, lastHealthy, w.timeout);
    const after = back.ok
      ? `${msg}; ${wave.join(', ')} Synced and Healthy again on ${describeRelease(lastHealthy)}`
      : `${msg}; after the roll back DPUCluster ${back.failed!.cluster} is ${back.failed!.reason}`;
    await report(run, d, phase, after, stopped(after));
  }
}
