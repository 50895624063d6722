/** `xpuflow service status`: a DPUService's status as lines for a terminal (pure, so it is unit-tested). */
import type { DpuServiceResource } from '../../model/resources/dpu-service';

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
}

export function renderServiceStatus(svc: DpuServiceResource): string[] {
  const st = svc.status ?? {};
  const src = svc.spec.helmChart.source;
  const gen = svc.metadata.generation ?? 0;
  const lines = [
    `DPUService ${svc.metadata.namespace}/${svc.metadata.name}: ${st.phase ?? 'Pending'}${svc.spec.paused ? ' (spec.paused)' : ''}`,
    `  chart ${src.chart} ${src.version} from ${src.repoURL} into namespace ${svc.spec.namespace}`,
    `  generation ${gen}, observed ${st.observedGeneration ?? '-'}${(st.observedGeneration ?? 0) < gen ? ' (not yet picked up)' : ''}`,
  ];
  if (st.waves?.length) {
    const waves = st.waves.map((w, i) => `${i + 1 === st.currentWave ? '▶' : ''}[${w.join(', ')}]`).join(' ');
    lines.push(`  wave ${st.currentWave ?? '-'}/${st.totalWaves ?? st.waves.length}: ${waves}`);
  }
  if (st.message) lines.push(`  ${st.message}`);
  if (st.clusters?.length) {
    lines.push(
      ...table([
        ['CLUSTER', 'SYNC', 'HEALTH', 'REVISION'],
        ...st.clusters.map((c) => [c.cluster, c.sync, c.health, c.revision || '-']),
      ]),
    );
  }
  if (st.lastHealthy) lines.push(`  last healthy: ${st.lastHealthy.chart} ${st.lastHealthy.version}`);
  for (const c of st.conditions ?? [])
    lines.push(
      `  ${c.type}=${c.status} (${c.reason})${c.status === 'True' && c.type !== 'Ready' ? `: ${c.message}` : ''}`,
    );
  if (st.workflowId) lines.push(`  workflow ${st.workflowId}${st.workflowUrl ? `  ${st.workflowUrl}` : ''}`);
  return lines;
}

/** A rollout of generation `gen` is over: Ready, or stopped (rolled back, degraded), or paused. */
export function rolloutOutcome(svc: DpuServiceResource, gen: number): 'ready' | 'stopped' | undefined {
  const st = svc.status;
  if (!st || (st.observedGeneration ?? 0) < gen) return undefined;
  if (st.phase === 'Ready') return 'ready';
  if (st.phase === 'RolledBack' || st.phase === 'Degraded' || st.phase === 'Paused') return 'stopped';
  if (st.phase === 'Pending' && st.conditions?.some((c) => c.type === 'Ready' && c.reason === 'InvalidSpec'))
    return 'stopped';
  return undefined;
}
