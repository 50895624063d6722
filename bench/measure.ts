/** What the benchmarks measure besides wall time: percentiles of samples, a child process's peak RSS. */
import fs from 'node:fs';

/** The p-th percentile (nearest rank) of ascending samples. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Peak resident set size (VmHWM) of a live process, in MiB (Linux /proc). */
export function peakRssMiB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}
