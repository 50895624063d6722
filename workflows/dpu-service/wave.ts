/**
 * One wave of a rollout:
 *
 *   Progressing ─▶ per cluster: namespace + pull Secrets, Application (written only if its hash changed)
 *     ─▶ wait until every cluster of the wave is Synced and Healthy for this release
 *     ─▶ ok: the next wave │ Degraded / timed out: the rollout calls stopWave (rollback.ts)
 */
import type { DesiredService } from '../../model/dpu-service-api';
import { argoCalls } from './proxies';
import { awaitHealthy, notReady, report, type ServiceRun, type Wave } from './run';

/** Where a wave stopped and why, for stopWave (rollback.ts). */
export interface StoppedWave {
  where: string;
  failed: { cluster: string; reason: string };
}

/** Rolls one wave out; what failed its health check, or undefined when the wave is healthy. */
export async function rolloutWave(
  run: ServiceRun,
  d: DesiredService,
  w: Wave,
): Promise<StoppedWave | undefined> {
  const wave = w.waves[w.index];
  run.state.currentWave = w.index + 1;
  const where = `wave ${w.index + 1}/${w.waves.length} (${wave.join(', ')})`;
  await report(run, d, 'Progressing', `rolling out ${w.rel} to ${where}`, [
    notReady('Progressing', `rolling out ${w.rel} to ${where}`),
    { type: 'RolloutStopped', status: 'False', reason: 'Progressing', message: `rolling out ${w.rel}` },
  ]);
  for (const cluster of wave) {
    await argoCalls.dpuServicePrepareCluster({
      service: run.ref,
      cluster,
      namespace: d.spec.namespace,
      imagePullSecrets: d.spec.imagePullSecrets ?? [],
    });
    await argoCalls.dpuServiceApply({
      service: run.ref,
      cluster,
      namespace: d.spec.namespace,
      release: w.release,
    });
    run.deployed[cluster] = w.release;
  }
  const health = await awaitHealthy(run, d, wave, w.release, w.timeout);
  return health.ok ? undefined : { where, failed: health.failed! };
}
