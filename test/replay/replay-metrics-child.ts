/**
 * Child process of phase-metrics-replay.test.ts (a Temporal Runtime can be
 * installed once per process): installs the worker Runtime as production does
 * (platform/observability/runtime.ts, Prometheus on the given address),
 * replays one captured history with the control worker's interceptors and
 * sinks, then prints the worker's /metrics text. Before the replay it adds 1
 * to a probe counter through the same Runtime, so the test can tell an
 * exporter that works from one that serves nothing.
 *   node replay-metrics-child.js <history.json> <host:port> <workflow-bundle.js>
 * (the test bundles this file with esbuild, so paths come as arguments; the
 * workflow bundle is the tests' cached one, test/support/workflow-bundle.ts,
 * written to a file, instead of a webpack build per child).
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Runtime, Worker } from '@temporalio/worker';
import { installWorkerRuntime } from '../../platform/observability/runtime';
import { controlWorkerHooks } from '../../workers/control/hooks';

export const PROBE = 'xpuflow_test_replay_probe';

async function main(): Promise<void> {
  const [historyFile, address, bundlePath] = process.argv.slice(2);
  if (!historyFile || !address || !bundlePath)
    throw new Error('usage: replay-metrics-child <history.json> <host:port> <workflow-bundle.js>');
  installWorkerRuntime(
    { component: 'replay-metrics', metricsAddress: address },
    { XPUFLOW_LOG_LEVEL: 'ERROR' },
  );
  Runtime.instance().metricMeter.createCounter(PROBE, '', 'replay-metrics child was here').add(1);
  const history = historyFromJSON(JSON.parse(fs.readFileSync(historyFile, 'utf8')));
  // Scraped while the replay worker is still up: the Runtime, and its /metrics, shut down with it.
  let text: string | undefined;
  for await (const r of Worker.runReplayHistories(
    { workflowBundle: { codePath: bundlePath }, ...controlWorkerHooks() },
    [{ workflowId: path.basename(historyFile), history }],
  )) {
    if (r.error) throw r.error;
    const res = await fetch(`http://${address}/metrics`);
    if (!res.ok) throw new Error(`GET http://${address}/metrics answered ${res.status}`);
    text = await res.text();
  }
  if (text === undefined) throw new Error(`${historyFile}: the replay worker replayed nothing`);
  process.stdout.write(text);
}

// Run as the child only: the test imports PROBE from here.
if (require.main === module)
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
