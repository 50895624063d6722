/**
 * Short commands (`ip`, `nsenter`) run from a small child process instead of
 * the worker that asks for them.
 *
 * Node starts a command with libuv's uv_spawn: fork, then the child execs,
 * and the parent waits on a close-on-exec pipe until it has (libuv/libuv
 * src/unix/process.c @aa6c120f7e2841bb3d3c17c86c3c5b350121b8d7, the comment
 * on `signal_pipe`); its event loop stands still meanwhile. A fork copies the page tables of the
 * whole process and every page the parent writes before the child execs is
 * copied again, so the wait grows with the process's memory: on this 2-core
 * machine a spawn blocked a 50 MiB Node process 1.0 ms and one holding
 * 300 MiB 12.1 ms, 6.5 ms of it system CPU (200 spawns of `true` each). The
 * host worker (Temporal's core, a workflow thread, the device plugin and the
 * host agent) runs about nine `ip` processes per VF attach and detach; at 8
 * attaches in flight its event loop was blocked in spawn 18 of 45 s (a
 * `--cpu-prof` of `bench/vf-attach.ts`).
 *
 * So the worker starts one small Node process once (the runner: this file's
 * RUNNER_SOURCE, no modules loaded), sends it each command over the IPC
 * channel, and the runner forks it from its own small memory. The results
 * are execa's: stdout and stderr with the final newline stripped, a failure
 * that names the command, its exit code and its stderr.
 *
 * The runner exits when its parent goes (the IPC channel closes, also on
 * SIGKILL). A runner that dies is started again at the next command; the
 * commands it had in hand fail, naming its exit. While no command is in hand
 * the runner and its channel do not keep the parent alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

interface Request {
  id: number;
  file: string;
  args: string[];
  input?: string;
}

interface Reply {
  id: number;
  stdout: string;
  stderr: string;
  /** The exit code; null when a signal ended it or it never started. */
  code: number | null;
  signal: string | null;
  /** Why it never started (spawn's error: ENOENT…). */
  error?: string;
}

/**
 * The runner: plain JavaScript run with `node -e`, so the same code serves
 * the compiled workers and the tests run from TypeScript sources. It runs
 * each request at once (several may be in hand) and answers with its id.
 */
const RUNNER_SOURCE = `
const { spawn } = require('node:child_process');
const strip = (s) => (s.endsWith('\\n') ? s.slice(0, s.endsWith('\\r\\n') ? -2 : -1) : s);
process.on('disconnect', () => process.exit(0));
process.on('message', (r) => {
  let out = '', err = '', failed;
  const c = spawn(r.file, r.args, { stdio: [r.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  c.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  c.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  c.on('error', (e) => (failed = e.message));
  if (r.input !== undefined) {
    // EPIPE: the command exited without reading all of it; its exit code says how it went.
    c.stdin.on('error', (e) => { if (e.code !== 'EPIPE') failed = 'writing its stdin: ' + e.message; });
    c.stdin.end(r.input);
  }
  c.on('close', (code, signal) => {
    if (!process.connected) return;
    process.send({ id: r.id, stdout: strip(out), stderr: strip(err), code, signal, ...(failed ? { error: failed } : {}) });
  });
});
`;

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

class Runner {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private start(): ChildProcess {
    const child = spawn(process.execPath, ['-e', RUNNER_SOURCE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // NODE_OPTIONS meant for the worker (heap sizes, --require hooks) are not the runner's.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      this.idle();
      p.resolve(m);
    });
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const p of waiting)
        p.reject(
          new Error(
            `the command runner process ${child.pid ?? '(not started)'} ${why}; run the command again`,
          ),
        );
    };
    child.on('exit', (code, signal) => gone(`exited (${signal ?? code}) with the command in hand`));
    child.on('error', (err) => gone(`failed: ${err.message}`));
    this.child = child;
    return child;
  }

  /** Lets the parent exit while nothing is in hand. */
  private idle(): void {
    if (this.pending.size === 0 && this.child) {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  run(req: Omit<Request, 'id'>): Promise<Reply> {
    const child = this.child ?? this.start();
    child.ref();
    child.channel?.ref();
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, ...req } satisfies Request, (err) => {
        if (!err || !this.pending.has(id)) return;
        this.pending.delete(id);
        this.idle();
        reject(
          new Error(`could not hand ${req.file} to the command runner process ${child.pid}: ${err.message}`),
        );
      });
    });
  }
}

const runner = new Runner();

/**
 * Runs `file` with `args` (no shell), `input` on its stdin, from the runner
 * process. Resolves with its output when it exits 0; otherwise fails with
 * CommandFailed naming the command, how it ended and its stderr.
 */
export async function runCommand(file: string, args: string[], input?: string): Promise<CommandResult> {
  const r = await runner.run({ file, args, ...(input !== undefined ? { input } : {}) });
  if (r.code === 0) return { stdout: r.stdout, stderr: r.stderr };
  const command = [file, ...args].join(' ');
  const how = r.error
    ? `could not start: ${r.error}`
    : r.signal
      ? `was killed by ${r.signal}`
      : `exited with code ${r.code}`;
  throw new CommandFailed(`${command} ${how}${r.stderr ? `: ${r.stderr}` : ''}`, r.stderr, r.code);
}
