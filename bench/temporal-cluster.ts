/**
 * The Temporal cluster of the tests (test/support/temporal-cluster.ts:
 * PostgreSQL, frontend, history, matching and worker as four processes, mTLS
 * on the frontend) for a benchmark. test/ is not compiled into dist/, so the
 * harness is bundled from its TypeScript with esbuild (as
 * test/replay/phase-metrics-replay.test.ts bundles its child) into dist/bench/,
 * where its packages resolve from the repository's node_modules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

/** What this uses of test/support/temporal-cluster.ts (a type import would compile test/ into dist/). */
interface Cluster {
  readonly address: string;
  start(): Promise<void>;
  clientEnv(): NodeJS.ProcessEnv;
  servicePids(): number[];
  dispose(): Promise<void>;
}

export interface BenchCluster {
  address: string;
  /** TEMPORAL_* for xpuflow's workers and client: mTLS with the cluster's client certificate. */
  env: NodeJS.ProcessEnv;
  /** The four service processes (frontend, history, matching, worker). */
  pids(): number[];
  stop(): Promise<void>;
}

function repoRoot(): string {
  // dist/bench/temporal-cluster.js when compiled; bench/temporal-cluster.ts otherwise.
  return __dirname.split(path.sep).includes('dist')
    ? path.resolve(__dirname, '..', '..')
    : path.resolve(__dirname, '..');
}

export async function startBenchCluster(namespace: string): Promise<BenchCluster> {
  const root = repoRoot();
  const out = path.join(root, 'dist', 'bench', 'temporal-cluster-harness.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  buildSync({
    entryPoints: [path.join(root, 'test', 'support', 'temporal-cluster.ts')],
    bundle: true,
    platform: 'node',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
    // The harness finds the repository (scripts/, .tools/) from its own folder.
    define: { __dirname: JSON.stringify(path.join(root, 'test', 'support')) },
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const harness = require(out) as { TemporalCluster: new (o: { namespace: string }) => Cluster };
  const cluster = new harness.TemporalCluster({ namespace });
  try {
    await cluster.start();
  } catch (err) {
    await cluster.dispose();
    throw err;
  }
  return {
    address: cluster.address,
    env: cluster.clientEnv(),
    pids: () => cluster.servicePids(),
    stop: () => cluster.dispose(),
  };
}
