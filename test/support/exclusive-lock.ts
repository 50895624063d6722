/**
 * Cross-process locks for test files that use something of the host only one
 * of them can use at a time (network namespaces and links, the kubelet's fixed
 * device plugin folder), so jest may run other files beside them.
 *
 * A lock is flock(1) (util-linux) on /tmp/xpuflow-locks/<name>.lock, held by a
 * `flock … cat` child while its stdin stays open: it is released when the test
 * releases it, and also when the jest worker dies whatever the way (the pipe
 * closes, cat ends, the kernel drops the flock), so a killed run leaves no
 * stale lock. Within one process a lock is re-entrant (counted), so a file
 * that holds it may call helpers that take it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const LOCK_DIR = '/tmp/xpuflow-locks';

/** What one file holds for the whole of its run, by resource. */
export const LOCKS = {
  /** Network namespaces, veth links and OVS bridges made on this host (CNI, VF and OVS files). */
  hostNetwork: 'host-network',
  /** The kubelet's device plugin folder /var/lib/kubelet/device-plugins, fixed whatever its root dir. */
  realKubelet: 'real-kubelet',
} as const;

interface Held {
  count: number;
  ready: Promise<ChildProcess>;
}
const held = new Map<string, Held>();

/** Waits (up to `timeoutMs`) until this process holds the lock `name`; returns its release. */
export async function exclusiveLock(name: string, timeoutMs = 15 * 60_000): Promise<() => Promise<void>> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`lock name "${name}": use lowercase letters, digits and -`);
  let h = held.get(name);
  if (h) {
    h.count += 1;
  } else {
    h = { count: 1, ready: take(name, timeoutMs) };
    held.set(name, h);
  }
  const mine = h;
  try {
    await mine.ready;
  } catch (err) {
    mine.count -= 1;
    if (held.get(name) === mine && mine.count === 0) held.delete(name);
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    mine.count -= 1;
    if (mine.count > 0) return;
    if (held.get(name) === mine) held.delete(name);
    const child = await mine.ready;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin?.end();
    if (child.exitCode === null) await exited;
  };
}

/**
 * Holds `name` from its beforeAll to its afterAll in the file (or describe block) it is called in: call
 * it at the top level of a test file or of a describe block. jest runs one block's hooks in the order
 * they are declared, the afterAll hooks too: call it after the afterAll that stops what else takes
 * the lock (a RealNode), or one block further out. At its afterAll it lets go of whatever this file
 * still has taken, and fails the file saying so. The wait for another process to release it has a
 * budget of its own, not a hook's.
 */
export function holdLock(name: string, timeoutMs = 15 * 60_000): void {
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await exclusiveLock(name, timeoutMs);
  }, timeoutMs + 10_000);
  afterAll(async () => {
    await release?.();
    // Whatever else in this file took it and did not give it back (a RealNode never stopped) would
    // hold it until the jest worker exits: every later file needing it would wait out its budget.
    const leaked = await releaseLeaked(name);
    if (leaked)
      throw new Error(
        `lock ${name}: still taken ${leaked} time(s) after this file's last hook; released now so the next file does not wait. ` +
          'Release what took it (e.g. stop the RealNode) in an afterAll.',
      );
  });
}

/**
 * Lets go of `name` however many times this process still has it taken; returns that count (0: it
 * was not held). For the end of a file: a releaser called later does nothing more.
 */
export async function releaseLeaked(name: string): Promise<number> {
  const leaked = held.get(name);
  if (!leaked) return 0;
  held.delete(name);
  const child = await leaked.ready;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin?.end();
  if (child.exitCode === null) await exited;
  return leaked.count;
}

function take(name: string, timeoutMs: number): Promise<ChildProcess> {
  fs.mkdirSync(LOCK_DIR, { recursive: true });
  const file = path.join(LOCK_DIR, `${name}.lock`);
  return new Promise((resolve, reject) => {
    // -w: flock gives up (exit 1) after that many seconds; `exec cat` then holds the lock until stdin closes.
    const child = spawn(
      'flock',
      ['--exclusive', '-w', String(Math.ceil(timeoutMs / 1000)), file, 'sh', '-c', 'echo held && exec cat'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('held\n')) resolve(child);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'ENOENT'
            ? `flock is not installed (util-linux); it guards ${file}: install util-linux`
            : `flock on ${file} failed to start: ${e.message}`,
          { cause: e },
        ),
      ),
    );
    child.once('exit', (code, signal) => {
      if (out.includes('held\n')) return;
      reject(
        new Error(
          `no lock on ${file} within ${timeoutMs} ms (flock exited ${code ?? signal}${err ? `: ${err.trim()}` : ''}): ` +
            `another test run holds it; see \`fuser -v ${file}\``,
        ),
      );
    });
    // The child must not keep the jest worker alive; the pipe still ties its life to this process.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
  });
}
