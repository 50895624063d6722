/** A whole fleet on a few lines: how many DPUs in each phase, the flash progress, the errors. */
import { Phase, PROVISION_SEQUENCE } from '../../model/phases';
import type { DpuView } from '../dpu/read-status';
import { progressBar } from '../progress-bar';
import { livePercent } from '../dpu/render-status';

/** `elapsedMs` is shown only on a terminal, so a log gets a line per change, not per second. */
export function renderFleet(views: DpuView[], elapsedMs?: number): string[] {
  const byPhase = new Map<string, number>();
  for (const v of views) {
    const p = v.status?.phase ?? v.execution;
    byPhase.set(p, (byPhase.get(p) ?? 0) + 1);
  }
  const order = [...PROVISION_SEQUENCE, Phase.Error] as string[];
  const counts = [...byPhase.entries()]
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([p, n]) => `${p}: ${n}`)
    .join('  ');
  const ready = byPhase.get(Phase.Ready) ?? 0;
  const lines = [
    `${progressBar((ready / Math.max(1, views.length)) * 100)} ${ready}/${views.length} Ready${elapsedMs === undefined ? '' : `  (${(elapsedMs / 1000).toFixed(0)} s)`}`,
    `  ${counts}`,
  ];
  const flashing = views.filter(
    (v) => v.status?.phase === Phase.OsInstalling && v.status.progress?.startedAt !== undefined,
  );
  if (flashing.length > 0) {
    const mean = flashing.reduce((s, v) => s + (livePercent(v.status!.progress!) ?? 0), 0) / flashing.length;
    lines.push(`  flashing ${flashing.length} DPUs, ${Math.floor(mean)} % on average`);
  }
  for (const v of views) {
    if (v.status?.phase === Phase.Error && v.status.lastError) {
      lines.push(`  ${v.status.dpu}: Error in ${v.status.lastError.phase}: ${v.status.lastError.message}`);
    } else if (!v.status && v.failure) {
      lines.push(`  ${v.workflowId}: ${v.failure}`);
    }
  }
  return lines;
}
