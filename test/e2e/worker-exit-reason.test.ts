/**
 * A worker that dies before it polls says why, at once, to whoever started
 * it (issue 19: the demo used to say only, 60 s later, that no worker polls
 * xpuflow-control). A namespace without xpuflow's search attributes makes the
 * control worker exit; the demo and the harnesses report its log's reason.
 * The demo checks the namespace itself first and refuses before it starts
 * any worker.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { spawnControlWorker, untilReady } from '../../cli/demo/worker-processes';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { waitForPollers } from '../../platform/connection/pollers';
import { DevServer } from '../support/dev-server';
import { distFile } from '../support/tools';

jest.setTimeout(90_000);
const run = promisify(execFile);
const server = new DevServer({ registerSearchAttributes: false });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-worker-exit-'));
let connection: Connection;

beforeAll(async () => {
  await server.start();
  connection = await Connection.connect({ address: server.address });
});
afterAll(async () => {
  await connection?.close();
  await server.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('untilReady fails as soon as the worker exits, with the end of its log', async () => {
  const client = new Client({ connection, namespace: 'default' });
  const worker = spawnControlWorker({
    bfbCacheDir: path.join(dir, 'bfb-cache'),
    logFile: path.join(dir, 'control.log'),
    env: { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' },
  });
  const started = Date.now();
  let aborted = false;
  const err = await untilReady([worker], async (signal) => {
    signal.addEventListener('abort', () => (aborted = true));
    await waitForPollers(client, [{ taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' }], 60_000, signal);
  }).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(err?.message).toMatch(
    /^workers\/control\/main\.js exited \(1\) before it polled its task queue; its log .*control\.log ends:/,
  );
  expect(err?.message).toContain("lacks xpuflow's search attributes XpuflowPhase, XpuflowDpu, XpuflowNode");
  expect(err?.message).toContain(
    'temporal operator search-attribute create --namespace default --name XpuflowPhase --type Keyword',
  );
  expect(Date.now() - started).toBeLessThan(50_000); // not after the 60 s poller wait
  expect(aborted).toBe(true); // the poller wait was stopped, not left running
});

test('`xpuflow demo` exits 1 naming the missing search attributes and `xpuflow setup`, before it starts a worker', async () => {
  const started = Date.now();
  const r = await run(
    process.execPath,
    [distFile('cli/main.js'), 'demo', '--hosts', '1', '--dpus', '1', '--work-dir', dir],
    { env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' } },
  ).then(
    () => ({ code: 0, stdout: '', stderr: '' }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    "xpuflow: namespace default lacks xpuflow's search attributes XpuflowPhase, XpuflowDpu, XpuflowNode; " +
      'create them with:\n  xpuflow setup --namespace default\n',
  );
  expect(r.stderr).toContain(
    'temporal operator search-attribute create --namespace default --name XpuflowDpu',
  );
  expect(r.stdout).not.toContain('xpuflow demo'); // refused before the fleet and its workers started
  expect(r.stderr).not.toContain('no worker polls');
  expect(Date.now() - started).toBeLessThan(30_000); // not after the 60 s poller wait
});
