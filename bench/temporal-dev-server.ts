/**
 * A private Temporal dev server for a benchmark, through ./temporal-dev.sh
 * with its own state folder and free ports, so it never touches the
 * developer's own server on 7233.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../sim/free-port';

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '..', '..', 'temporal-dev.sh');

export interface BenchTemporal {
  address: string;
  /** TEMPORAL_* for workers and clients. */
  env: NodeJS.ProcessEnv;
  /** The dev server's process (its CPU time is the server's). */
  pids(): number[];
  /** The server's Prometheus /metrics (server-requests.ts), when the server serves them on a known port. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

export async function startBenchTemporal(stateDir: string): Promise<BenchTemporal> {
  const port = await freePort();
  const metricsPort = await freePort();
  const env = {
    ...process.env,
    XPUFLOW_STATE_DIR: stateDir,
    XPUFLOW_TEMPORAL_PORT: String(port),
    XPUFLOW_UI_PORT: String(await freePort()),
    XPUFLOW_TEMPORAL_METRICS_PORT: String(metricsPort),
  };
  // A server that started but did not answer in time is stopped, not left behind (stop is a no-op without one).
  await run(SCRIPT, ['start'], { env }).catch(async (err: unknown) => {
    await run(SCRIPT, ['stop'], { env });
    throw err;
  });
  return {
    address: `127.0.0.1:${port}`,
    env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_NAMESPACE: 'default' },
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    // temporal-dev.sh writes the pid of `temporal server start-dev` here.
    pids: () => [Number(fs.readFileSync(path.join(stateDir, 'temporal-dev.pid'), 'utf8').trim())],
    stop: async () => {
      await run(SCRIPT, ['stop'], { env });
    },
  };
}
