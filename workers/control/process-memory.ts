/**
 * The control worker process's memory: V8's young generation, glibc's
 * malloc arenas and V8's old-generation growth. The first two are read once
 * when the process starts, so whoever starts it sets them (the chart's
 * `controlWorker.memory` values, the demo's and benchmarks' launcher
 * `spawnControlWorker`, both from `controlProcessEnv`); the third the worker
 * sets itself at its start (`applyHeapGrowing`). 0 is Node's, glibc's or
 * V8's own default for each.
 *
 * The defaults are the fleet benchmark's (README "Worker tuning", "Process
 * memory"): at 200 DPUs the peak RSS was 312-327 MiB with none of them and
 * 215-232 MiB with all three (CPU per DPU 112-120 ms against 138-152 ms); at
 * 100 DPUs 268 MiB and 196 MiB. Each alone did little: the young generation
 * alone 268 (what it no longer held was promoted and the old generation grew
 * by as much), the growth bound alone 251, the arenas alone 260, the first
 * two without the arenas 250.
 */
import v8 from 'node:v8';

export interface ProcessMemory {
  /** `--max-semi-space-size` (MiB) in NODE_OPTIONS: V8's young generation is 2 semi-spaces (Node 20: 16 MiB each). */
  semiSpaceMiB: number;
  /** MALLOC_ARENA_MAX: glibc's malloc arenas (its default: 8 per core). */
  mallocArenaMax: number;
  /**
   * V8's `--heap-growing-percent`: after a full collection the old generation
   * may grow by this much before the next one; unset, V8 lets it grow up to
   * 4 times what is live on a machine with memory to spare. Not a flag Node
   * takes in NODE_OPTIONS: the worker sets it (v8.setFlagsFromString).
   */
  heapGrowingPercent: number;
}

export const CONTROL_PROCESS_MEMORY: Readonly<ProcessMemory> = {
  semiSpaceMiB: 4,
  mallocArenaMax: 2,
  heapGrowingPercent: 25,
};

/** The variable the chart sets for heapGrowingPercent, and the worker's flag. */
export const HEAP_GROWING_ENV = 'XPUFLOW_HEAP_GROWING_PERCENT';
export const HEAP_GROWING_FLAG = '--heap-growing-percent';

const SEMI_SPACE_FLAG = /(^|\s)--max-semi-space-size(=|\s)/;

/**
 * The variables a launcher gives a control worker process: NODE_OPTIONS with
 * `--max-semi-space-size` added unless `env`'s already names one, and
 * MALLOC_ARENA_MAX and XPUFLOW_HEAP_GROWING_PERCENT unless `env` sets them.
 * A setting of 0 adds nothing (Node's, glibc's, V8's default).
 */
export function controlProcessEnv(
  env: NodeJS.ProcessEnv,
  memory: ProcessMemory = CONTROL_PROCESS_MEMORY,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  const nodeOptions = env.NODE_OPTIONS ?? '';
  if (memory.semiSpaceMiB > 0 && !SEMI_SPACE_FLAG.test(nodeOptions)) {
    out.NODE_OPTIONS = `${nodeOptions} --max-semi-space-size=${memory.semiSpaceMiB}`.trim();
  }
  if (memory.mallocArenaMax > 0 && env.MALLOC_ARENA_MAX === undefined) {
    out.MALLOC_ARENA_MAX = String(memory.mallocArenaMax);
  }
  if (env[HEAP_GROWING_ENV] === undefined) out[HEAP_GROWING_ENV] = String(memory.heapGrowingPercent);
  return out;
}

/**
 * The heap growth percent from the flag's value, else the environment, else
 * the default; refuses anything but a whole number from 0 to 400, naming
 * where it came from.
 */
export function heapGrowingPercentFrom(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const [raw, from] =
    flag !== undefined
      ? [flag, HEAP_GROWING_FLAG]
      : env[HEAP_GROWING_ENV] !== undefined && env[HEAP_GROWING_ENV] !== ''
        ? [env[HEAP_GROWING_ENV]!, HEAP_GROWING_ENV]
        : [undefined, ''];
  if (raw === undefined) return CONTROL_PROCESS_MEMORY.heapGrowingPercent;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 400) {
    throw new Error(
      `${from} ${JSON.stringify(raw)}: give a whole number from 0 to 400 (how much V8's old generation ` +
        `may grow after a full collection, in percent; 0: V8's own choice)`,
    );
  }
  return n;
}

/**
 * Sets V8's `--heap-growing-percent` for this process (0 leaves V8's own).
 * V8 reads the flag each time it sets the next full collection's limit
 * (MemoryController::GrowingFactor, nodejs/node deps/v8/src/heap/heap-controller.cc,
 * commit 0dfdc542fdca9187d1c573001a6ef9eb4a44f3b2), so setting it at the start of the
 * process takes effect from the first full collection on.
 */
export function applyHeapGrowing(
  percent: number,
  setFlags: (flags: string) => void = (f) => v8.setFlagsFromString(f),
): void {
  if (percent > 0) setFlags(`--heap-growing-percent=${percent}`);
}

/** What this process runs with, for its start line: each setting, or "default". */
export function processMemoryInEffect(
  heapGrowingPercent: number,
  env: NodeJS.ProcessEnv = process.env,
  execArgv: string[] = process.execArgv,
): string {
  const semi = /--max-semi-space-size[=\s](\d+)/.exec([...execArgv, env.NODE_OPTIONS ?? ''].join(' '));
  return (
    `young generation ${semi ? `${semi[1]} MiB semi-spaces` : "Node's default"}, ` +
    `malloc arenas ${env.MALLOC_ARENA_MAX || "glibc's default"}, ` +
    `old generation growth ${heapGrowingPercent > 0 ? `${heapGrowingPercent} %` : "V8's own"}`
  );
}
