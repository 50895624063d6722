/**
 * A private Temporal dev server for a benchmark, through ./temporal-dev.sh
 * with its own state folder and free ports, so it never touches the
 * developer's own server on 7233.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../sim/free-port';

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '..', '..', 'temporal-dev.sh');

export interface BenchTemporal {
  address: string;
  stop(): Promise<void>;
}

export async function startBenchTemporal(stateDir: string): Promise<BenchTemporal> {
  const port = await freePort();
  const env = {
    ...process.env,
    XPUFLOW_STATE_DIR: stateDir,
    XPUFLOW_TEMPORAL_PORT: String(port),
    XPUFLOW_UI_PORT: String(await freePort()),
  };
  await run(SCRIPT, ['start'], { env });
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      await run(SCRIPT, ['stop'], { env });
    },
  };
}
