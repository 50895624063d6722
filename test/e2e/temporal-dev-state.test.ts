/**
 * The local dev server of ./temporal-dev.sh (the quick start's Temporal) keeps
 * its state in SQLite's write-ahead-log mode, and what it acknowledged survives
 * the server being killed: a started flow is there again after kill -9 and a
 * start.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../sim/free-port';
import { pidAlive } from '../support/pid-alive';

jest.setTimeout(120_000);

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '..', '..', 'temporal-dev.sh');
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dev-state-'));
let env: NodeJS.ProcessEnv;
let address: string;

const serverPid = () => Number(fs.readFileSync(path.join(stateDir, 'temporal-dev.pid'), 'utf8').trim());

beforeAll(async () => {
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  env = {
    ...process.env,
    XPUFLOW_STATE_DIR: stateDir,
    XPUFLOW_TEMPORAL_PORT: String(port),
    XPUFLOW_UI_PORT: String(await freePort()),
  };
  await run(SCRIPT, ['start'], { env });
});

afterAll(async () => {
  await run(SCRIPT, ['stop'], { env });
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test('the state file is in WAL mode, and a started flow survives kill -9 of the server', async () => {
  let connection = await Connection.connect({ address });
  const started = await new Client({ connection }).workflow.start('provisionDpu', {
    taskQueue: 'no-worker-polls-this',
    workflowId: 'survives-a-server-kill',
    args: [],
  });
  await connection.close();

  // WAL mode: commits go to temporal.db-wal beside the database (https://www.sqlite.org/wal.html).
  expect(fs.statSync(path.join(stateDir, 'temporal.db-wal')).size).toBeGreaterThan(0);

  const pid = serverPid();
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  expect(pidAlive(pid)).toBe(false);

  await run(SCRIPT, ['start'], { env });
  expect(serverPid()).not.toBe(pid);
  connection = await Connection.connect({ address });
  try {
    const described = await new Client({ connection }).workflow
      .getHandle('survives-a-server-kill')
      .describe();
    expect(described.runId).toBe(started.firstExecutionRunId);
    expect(described.status.name).toBe('RUNNING');
  } finally {
    await connection.close();
  }
});
