/**
 * A benchmark's helper process (a simulator, the direct baseline), so it does
 * not share an event loop with the process that measures. The helper script
 * (compiled beside this file in dist/bench/) takes its options as JSON in
 * argv[2] and prints one JSON line on stdout when it is ready; it stops on
 * SIGTERM or when its stdin closes (its parent is gone): serveUntilStopped.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface BenchChild<T> {
  pid: number;
  ready: T;
  stop(): Promise<void>;
}

export function spawnBenchChild<T>(script: string, opts: object): Promise<BenchChild<T>> {
  const file = path.join(__dirname, script);
  const child = spawn(process.execPath, [file, JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      resolve({ pid: child.pid!, ready: JSON.parse(out.slice(0, nl)) as T, stop });
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`${file} exited (${signal ?? code}) before it was ready; its stderr is above`)),
    );
  });
}

/** In the helper: reads its options, starts, says it is ready, and stops on SIGTERM or when the parent goes. */
export function serveUntilStopped<O, T>(
  start: (opts: O) => Promise<{ ready: T; stop(): Promise<void> }>,
): void {
  const name = path.basename(process.argv[1] ?? 'bench helper');
  const fail = (what: string) => (err: Error) => {
    console.error(`${name}: ${what}: ${err.message}`);
    process.exit(1);
  };
  start(JSON.parse(process.argv[2] ?? '') as O).then(({ ready, stop }) => {
    process.stdout.write(JSON.stringify(ready) + '\n');
    let stopping = false;
    const onStop = () => {
      if (stopping) return;
      stopping = true;
      stop().then(() => process.exit(0), fail('stopping failed'));
    };
    process.on('SIGTERM', onStop);
    process.stdin.on('end', onStop).resume();
  }, fail('starting failed'));
}
