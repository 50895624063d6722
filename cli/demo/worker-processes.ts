/**
 * Starts worker processes from the compiled tree (dist/), for the demo, the
 * benchmark and the end-to-end tests: each is a real process that can be
 * killed with SIGKILL and started again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { HostPlacement } from '../../workers/host/main';

export interface WorkerProcess {
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
  const waitExit = async (graceMs: number) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    proc,
    logFile,
    exited,
    stop: async (graceMs = 10_000) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await waitExit(graceMs);
    },
    kill9: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

export function spawnControlWorker(opts: {
  bfbCacheDir: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): WorkerProcess {
  return startProcess(
    'workers/control/main.js',
    ['--bfb-cache', opts.bfbCacheDir],
    opts.logFile,
    opts.env ?? {},
  );
}

export function spawnHostWorkers(opts: {
  placements: HostPlacement[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): WorkerProcess {
  const nodesFile = opts.logFile.replace(/\.log$/, '') + '.nodes.json';
  fs.mkdirSync(path.dirname(nodesFile), { recursive: true });
  fs.writeFileSync(nodesFile, JSON.stringify(opts.placements, null, 2));
  return startProcess('workers/host/main.js', ['--nodes', nodesFile], opts.logFile, opts.env ?? {});
}

/** The Kubernetes controllers as a child process (`controllers/main.js`); cluster and settings through env. */
export function spawnController(opts: { logFile: string; env?: NodeJS.ProcessEnv }): WorkerProcess {
  return startProcess('controllers/main.js', [], opts.logFile, opts.env ?? {});
}

export function spawnDpuWorkers(opts: {
  placements: Array<{
    dpu: string;
    opiAddress: string;
    ovsDb?: string;
    ovsRundir?: string;
    ovsDatapathType?: string;
  }>;
  logFile: string;
  env?: NodeJS.ProcessEnv;
}): WorkerProcess {
  const file = opts.logFile.replace(/\.log$/, '') + '.dpus.json';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(opts.placements, null, 2));
  return startProcess('workers/dpu/main.js', ['--dpus', file], opts.logFile, opts.env ?? {});
}
