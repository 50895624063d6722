/**
 * A real Temporal dev server (`temporal server start-dev`) owned by one test
 * file: its own ports and SQLite file, so it can be stopped and started again
 * with its state intact.
 */
import { spawn, type ChildProcess, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTE_KEYS } from '../../model/search-attributes';
import { freePort, listensOn } from '../../sim/free-port';
import { temporalCli } from './tools';

const run = promisify(execFile);

/** The SQLite pragmas ./temporal-dev.sh opens the state file with (WAL; why there), as `--sqlite-pragma` flags. */
function sqlitePragmaFlags(): string[] {
  const script = path.resolve(__dirname, '..', '..', 'temporal-dev.sh');
  return execFileSync(script, ['sqlite-pragmas'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((pragma) => ['--sqlite-pragma', pragma]);
}

/** The dev server could not bind a port picked for it: another process took it meanwhile. */
class PortTaken extends Error {
  constructor(log: string) {
    super(`dev server exited: a port it was given was taken meanwhile: ${log}`);
  }
}

export class DevServer {
  private proc?: ChildProcess;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-devserver-'));
  port = 0;
  uiPort = 0;

  /** `registerSearchAttributes: false` starts a namespace without xpuflow's search attributes. */
  constructor(
    private readonly opts: {
      registerSearchAttributes?: boolean;
      /** The UI decodes payloads through this codec server (`--ui-codec-endpoint`). */
      uiCodecEndpoint?: string;
    } = {},
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server and waits until it answers. On a first start the ports
   * are picked here; one another process took between the pick and the bind
   * ("address already in use") is picked again, up to 3 times. A restart keeps
   * its ports (clients hold the address), so it does not retry.
   */
  async start(): Promise<void> {
    const fresh = !this.port;
    for (let attempt = 1; ; attempt++) {
      if (fresh) {
        this.port = await freePort();
        this.uiPort = await freePort();
      }
      try {
        await this.startOnce();
        return;
      } catch (err) {
        if (!(fresh && attempt < 3 && err instanceof PortTaken)) throw err;
      }
    }
  }

  private async startOnce(): Promise<void> {
    const logPath = path.join(this.dir, 'server.log');
    const logStart = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
    const log = fs.openSync(logPath, 'a');
    this.proc = spawn(
      temporalCli(),
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(this.port),
        '--ui-port',
        String(this.uiPort),
        '--db-filename',
        path.join(this.dir, 'temporal.db'),
        ...sqlitePragmaFlags(),
        '--log-level',
        'warn',
        ...(this.opts.registerSearchAttributes === false
          ? []
          : SEARCH_ATTRIBUTE_KEYS.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`])),
        ...(this.opts.uiCodecEndpoint ? ['--ui-codec-endpoint', this.opts.uiCodecEndpoint] : []),
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log); // the server holds its own copy
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        // Bounded: one look that hangs (a server still binding, a machine under load) must not outlast the deadline.
        await run(temporalCli(), ['operator', 'cluster', 'health', '--address', this.address], {
          timeout: 10_000,
        });
        // Another process's server on a port taken from under this one answers too: this one must hold it.
        if (listensOn(this.proc.pid!, this.port)) return;
        throw new Error(`port ${this.port} answers, but not from dev server ${this.proc.pid}`);
      } catch {
        if (this.proc.exitCode !== null) {
          const said = fs.readFileSync(logPath, 'utf8').slice(logStart);
          if (said.includes('address already in use')) throw new PortTaken(said.slice(-2000));
          throw new Error(`dev server exited: ${this.log()}`);
        }
        if (Date.now() > deadline) throw new Error(`dev server did not answer in 60 s: ${this.log()}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return; // gone already (e.g. killed by a test)
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (p.exitCode === null) p.kill('SIGKILL');
  }

  log(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }

  /**
   * Ends the server for good and deletes its database. SIGKILL, not SIGTERM: a graceful stop
   * drains each service first (matching: "ShutdownHandler: Drain time expired"), 3 to 9 s at
   * the end of every file for state deleted right after. A test of a server restart calls
   * stop(), which stays graceful.
   */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
