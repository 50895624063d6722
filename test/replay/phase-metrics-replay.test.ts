/**
 * `xpuflow_phase_duration_seconds` is recorded by the workflow
 * (workflows/metrics/phase-metrics.ts) and must never be recorded on replay,
 * or every worker restart, cache eviction and `xpuflow replay` would add the
 * phase durations again. A child process (a Runtime installs once per
 * process) installs the production worker Runtime with its Prometheus
 * exporter, replays captured histories that close every phase through the
 * control worker's interceptors and sinks, and prints /metrics.
 *
 * The series does appear when a flow runs live: test/e2e/operate.test.ts ›
 * the control worker serves the SDK and xpuflow series on /metrics.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildSync } from 'esbuild';
import { METRIC } from '../../platform/observability/metrics';
import { samplesOf } from '../support/metrics-scrape';
import { testWorkflowBundle } from '../support/workflow-bundle';
import { PROBE } from './replay-metrics-child';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..', '..');
let tmp: string;
let child: string;
let workflowBundle: string;

beforeAll(async () => {
  // The child runs the TypeScript sources of this tree, not a dist/ that may be stale.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-replay-metrics-'));
  child = path.join(tmp, 'child.js');
  // The workflows of this tree, bundled once for both children (from the tests' bundle cache).
  workflowBundle = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundle, (await testWorkflowBundle(require.resolve('../../workflows'))).code);
  buildSync({
    entryPoints: [path.join(__dirname, 'replay-metrics-child.ts')],
    bundle: true,
    platform: 'node',
    packages: 'external',
    outfile: child,
    logLevel: 'error',
  });
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function metricsAfterReplay(history: string): Promise<string> {
  const address = `127.0.0.1:${await freePort()}`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [child, path.join(root, 'test', 'histories', history), address, workflowBundle],
    { env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') }, maxBuffer: 16 * 2 ** 20 },
  );
  return stdout;
}

test.each(['provision-dpu-ready.json', 'provision-dpu-integrity-fail-retry.json'])(
  'replaying %s through the control worker records no phase duration or phase start',
  async (history) => {
    const text = await metricsAfterReplay(history);
    // The exporter works: the child's probe, recorded through the same Runtime, is there.
    expect(samplesOf(text, PROBE)).toEqual([{ labels: {}, value: 1 }]);
    expect(text.split('\n').filter((l) => l.includes(METRIC.phaseDuration))).toEqual([]);
    expect(text.split('\n').filter((l) => l.includes(METRIC.phaseStartTime))).toEqual([]);
    expect(text.split('\n').filter((l) => l.includes(METRIC.phaseWrittenTime))).toEqual([]);
  },
);
