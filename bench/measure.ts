/** What the benchmarks measure besides wall time: percentiles of samples, a child process's peak RSS and CPU time. */
import { execFileSync } from 'node:child_process';
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

/** Clock ticks per second of /proc/<pid>/stat's times (sysconf(_SC_CLK_TCK), 100 on Linux x86 and arm64). */
let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return clockTicks;
}

/** CPU seconds a live process has used so far, user plus system (utime + stime, proc(5)). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: field 3 (state) first.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / ticksPerSecond();
}

/** The whole machine's CPU seconds so far, busy (all but idle and iowait) and in all, over every core (/proc/stat, proc(5)). */
export function machineCpuSeconds(): { busy: number; all: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const all = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3] + ticks[4];
  return { busy: (all - idle) / ticksPerSecond(), all: all / ticksPerSecond() };
}
