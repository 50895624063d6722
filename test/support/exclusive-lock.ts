/**
 * A machine-wide lock for test files that must never run together, even when
 * jest runs files side by side or two checkouts run their suites on one
 * machine: e.g. the real-node files (test/support/real-node.ts), whose kubelet
 * uses the one fixed device plugin folder /var/lib/kubelet/device-plugins.
 *
 * It is flock(1) on a file under the system temp folder, held by a child
 * `flock` process for as long as its stdin is open: release() closes it, and
 * if the test process dies the kernel closes it, so a killed run never leaves
 * the lock taken. Waiting is in line (flock blocks); after `timeoutMs` the
 * wait fails naming the holder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ExclusiveLock {
  /** The lock file. */
  readonly path: string;
  release(): Promise<void>;
}

export const LOCK_DIR = path.join(os.tmpdir(), 'xpuflow-locks');

/** Waits until no other process holds the lock `name`, then holds it until release(). */
export async function exclusiveLock(
  name: string,
  opts: { timeoutMs?: number; holder?: string } = {},
): Promise<ExclusiveLock> {
  if (!/^[a-z0-9-]+$/.test(name)) {
    throw new Error(`lock name ${JSON.stringify(name)}: use lower-case letters, digits and dashes`);
  }
  fs.mkdirSync(LOCK_DIR, { recursive: true });
  const file = path.join(LOCK_DIR, `${name}.lock`);
  const holderFile = `${file}.holder`;
  const timeoutMs = opts.timeoutMs ?? 600_000;
  // Prints once it holds the lock, then waits on stdin (cat) until it closes.
  const child = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo held; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      let holder = '(no holder recorded)';
      try {
        holder = fs.readFileSync(holderFile, 'utf8').trim();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      reject(
        new Error(
          `lock ${file} still held after ${timeoutMs} ms by ${holder}: wait for that run to end, or stop it`,
        ),
      );
    }, timeoutMs);
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run flock(1) for ${file} (util-linux): ${err.message}`, { cause: err }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`flock on ${file} exited (${code ?? signal}) before holding it: ${stderr}`));
    });
  });
  fs.writeFileSync(
    holderFile,
    `process ${process.pid} (${opts.holder ?? process.argv.slice(1).join(' ')})\n`,
  );
  let released = false;
  return {
    path: file,
    async release() {
      if (released) return;
      released = true;
      fs.rmSync(holderFile, { force: true });
      child.stdin.end();
      await exited;
    },
  };
}
