/**
 * One wave of a rollout:
 *
 *   Progressing ─▶ per cluster: namespace + pull Secrets, Application (written only if its hash changed)
 *     ─▶ wait until every cluster of the wave is Synced and Healthy for this release
 *     ─▶ ok: the next wave │ Degraded / timed out: stopWave (rollback.ts)
 */
import type { ServiceRelease } from '../../model/resources/dpu-service';
import type { DesiredService } from '../../model/dpu-service-api';
import type { AwaitResult } from '../../activities/argocd/dpu-service';
import { argo, waits } from './proxies';
import { notReady, report, type ServiceRun } from './run';
import { stopWave } from './rollback';

export interface Wave {
  release: ServiceRelease;
  /** The release in words: "chart 1.2.3". */
  rel: string;
  /** Health timeout of a wave (s). */
  timeout: number;
  waves: string[][];
  /** This wave's index in `waves`. */
  index: number;
}

/** Rolls one wave out; true when the rollout stopped there (rolled back or Degraded). */
export async function rolloutWave(run: ServiceRun, d: DesiredService, w: Wave): Promise<boolean> {
  const wave = w.waves[w.index];
  run.state.currentWave = w.index + 1;
  const where = `wave ${w.index + 1}/${w.waves.length} (${wave.join(', ')})`;
  await report(run, d, 'Progressing', `rolling out ${w.rel} to ${where}`, [
    notReady('Progressing', `rolling out ${w.rel} to ${where}`),
    { type: 'RolloutStopped', status: 'False', reason: 'Progressing', message: `rolling out ${w.rel}` },
  ]);
  for (const cluster of wave) {
    await argo.dpuServicePrepareCluster({
      service: run.ref,
      cluster,
      namespace: d.spec.namespace,
      imagePullSecrets: d.spec.imagePullSecrets ?? [],
    });
    await argo.dpuServiceApply({
      service: run.ref,
      cluster,
      namespace: d.spec.namespace,
      release: w.release,
    });
    run.deployed[cluster] = w.release;
  }
  const health = await awaitHealthy(run, d, wave, w.release, w.timeout);
  if (health.ok) return false;
  await stopWave(run, d, w, where, health.failed!);
  return true;
}

/** Waits for the clusters' Applications on `release`, and records what each reports. */
export async function awaitHealthy(
  run: ServiceRun,
  d: DesiredService,
  clusters: string[],
  release: ServiceRelease,
  timeout: number,
): Promise<AwaitResult> {
  const health = await waits(timeout).dpuServiceAwaitHealthy({
    service: run.ref,
    clusters,
    release,
    namespace: d.spec.namespace,
    timeoutSeconds: timeout,
    pollSeconds: run.pollSeconds,
  });
  for (const s of health.clusters) run.clusterStatus[s.cluster] = s;
  return health;
}
