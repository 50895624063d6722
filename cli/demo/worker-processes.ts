/**
 * For the demo, the benchmarks and the end-to-end tests only — not a way to
 * run xpuflow in production (there, each worker is its own process started by
 * `xpuflow worker control|host|dpu`, or the Helm chart's Deployment and
 * DaemonSets). It starts worker processes from the compiled tree (dist/): each
 * is a real process that can be killed with SIGKILL and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DpuPlacement } from '../../workers/dpu/main';
import type { HostPlacement } from '../../workers/host/main';
import { controlProcessEnv } from '../../workers/control/process-memory';

export interface WorkerProcess {
  /** What it runs, relative to dist/ (`workers/control/main.js`). */
  readonly script: string;
  readonly proc: ChildProcess;
  readonly logFile: string;
  /** SIGTERM and wait (SIGKILL after graceMs). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: the process dies with work in flight. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

function distRoot(): string {
  // This file lives at dist/cli/demo/worker-processes.js when compiled, cli/demo/worker-processes.ts under ts-jest.
  const here = __dirname;
  const compiled = here.split(path.sep).includes('dist');
  return compiled ? path.resolve(here, '..', '..') : path.resolve(here, '..', '..', 'dist');
}

function startProcess(
  script: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv,
): WorkerProcess {
  const entry = path.join(distRoot(), script);
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const proc = spawn(process.execPath, [entry, ...args], {
    stdio: ['ignore', out, out],
    env: { ...process.env, ...env },
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const waitExit = async (graceMs: number) => {
    if (!running()) return;
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    script,
    proc,
    logFile,
    exited,
    stop: async (graceMs = 10_000) => {
      if (running()) proc.kill('SIGTERM');
      await waitExit(graceMs);
    },
    kill9: async () => {
      if (running()) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Writes a worker's placements next to its log (`<log>.<kind>.json`, for --nodes or --dpus); returns the file. */
function writePlacements(logFile: string, kind: 'nodes' | 'dpus', placements: object[]): string {
  const file = `${logFile.replace(/\.log$/, '')}.${kind}.json`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(placements, null, 2));
  return file;
}

export function spawnControlWorker(opts: {
  bfbCacheDir: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** More flags (the tuning flags of workers/worker-tuning.ts, say). */
  args?: string[];
}): WorkerProcess {
  // The process memory settings the chart gives it (workers/control/process-memory.ts), unless env sets them.
  const env = { ...process.env, ...opts.env };
  return startProcess(
    'workers/control/main.js',
    ['--bfb-cache', opts.bfbCacheDir, ...(opts.args ?? [])],
    opts.logFile,
    { ...(opts.env ?? {}), ...controlProcessEnv(env) },
  );
}

export function spawnHostWorkers(opts: {
  placements: HostPlacement[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): WorkerProcess {
  const nodesFile = writePlacements(opts.logFile, 'nodes', opts.placements);
  return startProcess('workers/host/main.js', ['--nodes', nodesFile], opts.logFile, opts.env ?? {});
}

/** The Kubernetes controllers as a child process (`controllers/main.js`); cluster and settings through env. */
export function spawnController(opts: { logFile: string; env?: NodeJS.ProcessEnv }): WorkerProcess {
  return startProcess('controllers/main.js', [], opts.logFile, opts.env ?? {});
}

export function spawnDpuWorkers(opts: {
  placements: DpuPlacement[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): WorkerProcess {
  const file = writePlacements(opts.logFile, 'dpus', opts.placements);
  return startProcess('workers/dpu/main.js', ['--dpus', file], opts.logFile, opts.env ?? {});
}

/** The last `lines` lines of a worker's log (what it said before it died). */
function logTail(logFile: string, lines = 15): string {
  let text: string;
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `(${logFile} was never written)`;
    throw err;
  }
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Waits for `ready` (the workers polling their queues) unless one of
 * `workers` exits first: then it stops that wait (its signal) and fails at
 * once with the worker's exit code and the end of its log, which says why (a
 * namespace without xpuflow's search attributes, a certificate the server
 * refuses), instead of the reader learning a minute later only that nobody
 * polls the queue.
 */
export async function untilReady(
  workers: readonly WorkerProcess[],
  waitReady: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const abort = new AbortController();
  const ready = waitReady(abort.signal);
  let settled = false;
  const died = new Promise<WorkerProcess>((resolve) => {
    for (const w of workers) void w.exited.then(() => !settled && resolve(w));
  });
  try {
    const first = await Promise.race([ready.then(() => undefined), died]);
    if (!first) return;
    const code = first.proc.exitCode ?? first.proc.signalCode;
    throw new Error(
      `${first.script} exited (${code}) before it polled its task queue; its log ${first.logFile} ends:\n${logTail(first.logFile)}`,
    );
  } finally {
    settled = true;
    abort.abort();
    ready.catch(() => undefined); // a wait stopped because a worker died: the death is the answer
  }
}
