/**
 * One control-plane binary of a test cluster (kube-controller-manager,
 * kube-scheduler) run as a child with its output in a log file: the log's
 * tail for a failing test's message, and a stop that waits for the exit
 * (SIGTERM, then SIGKILL after 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { kubeAssets } from './apiservers';

export interface ControlPlaneProcess {
  /** The last 3,000 characters of its log. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `binary` from the kube assets with `args`, its stdout and stderr appended to `logPath`. */
export function startControlPlaneProcess(
  binary: string,
  args: string[],
  logPath: string,
): ControlPlaneProcess {
  const log = fs.openSync(logPath, 'a');
  const proc: ChildProcess = spawn(path.join(kubeAssets(), binary), args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return {
    log() {
      try {
        return fs.readFileSync(logPath, 'utf8').slice(-3000);
      } catch (err) {
        return `(no log at ${logPath}: ${String(err)})`;
      }
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
