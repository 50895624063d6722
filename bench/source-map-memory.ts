/**
 * What a workflow bundle's source map costs the process that runs its
 * workflows: the SDK parses every mapping of the bundle's inline source map
 * into the WebAssembly memory of a `source-map` consumer on the first stack
 * trace a workflow takes (its promise hook takes one for every promise,
 * @temporalio/worker 1.24 lib/workflow/vm-shared.js), and keeps it for the
 * worker's life. Each bundle xpuflow builds (the control worker's, the host
 * worker's lease bundle) is bundled once and written twice here: as
 * `npm run build` writes it (leanBundle), and the same with the bundler's
 * mappings put back (one segment per expression, as the build wrote them
 * until leanBundle kept one per source line). Each variant
 * then replays a captured history in a fresh process of its own
 * (source-map-memory-child.ts), the variants in turn for each round.
 *
 *   node dist/bench/source-map-memory.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It prints figures and never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { HOST_WORKFLOWS } from '../workers/control/bundle-workflows';
import { inlineSourceMap, leanBundle, withInlineSourceMap } from '../workers/control/lean-bundle';
import { decodeMappings } from '../workers/control/source-map-mappings';
import { workflowBundleOptions } from '../workers/workflow-bundle-options';
import { spawnBenchChild } from './child-process';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import type { SourceMapMemoryChildOptions, SourceMapMemoryFigures } from './source-map-memory-child';

const COMMAND = {
  name: 'source-map-memory',
  about: [
    "each workflow bundle with the bundler's source map mappings and as the build writes it (one segment per",
    'source line), each replaying a captured history in a fresh process: the external memory and RSS the',
    "SDK's source-map consumer leaves in the process that runs the workflows.",
  ],
  flags: {
    rounds: countFlag(3, 'rounds, each variant in turn'),
    replays: countFlag(5, 'replays of the history in each process'),
  },
};

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BUNDLES = [
  {
    name: 'control',
    workflows: require.resolve('../workflows'),
    history: 'test/histories/provision-dpu-kube-ready-status-with-work.json',
  },
  { name: 'host (lease)', workflows: HOST_WORKFLOWS, history: 'test/histories/vf-lease-attach-release.json' },
];

/** The bundle as the build writes it, but with the bundler's mappings: the only difference is the mappings. */
function withBundlerMappings(code: string): string {
  const lean = inlineSourceMap(leanBundle(code));
  return withInlineSourceMap({ ...lean, map: { ...lean.map, mappings: inlineSourceMap(code).map.mappings } });
}

function segments(code: string): number {
  const { mappings } = inlineSourceMap(code).map;
  return typeof mappings === 'string' ? decodeMappings(mappings).reduce((n, line) => n + line.length, 0) : 0;
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-'));
  try {
    for (const b of BUNDLES) {
      const { code } = await bundleWorkflowCode({
        ...workflowBundleOptions(b.workflows),
        logger: quietLogger,
      });
      const variants = [
        { name: "bundler's mappings", code: withBundlerMappings(code) },
        { name: 'as built (leanBundle)', code: leanBundle(code) },
      ].map((v, i) => {
        const file = path.join(dir, `${b.name.replace(/\W+/g, '-')}-${i}.js`);
        fs.writeFileSync(file, v.code);
        return { ...v, file, runs: [] as SourceMapMemoryFigures[] };
      });
      for (let r = 0; r < flags.rounds; r++) {
        for (const v of variants) {
          const child = await spawnBenchChild<SourceMapMemoryFigures>('source-map-memory-child.js', {
            bundleFile: v.file,
            historyFile: path.join(REPO_ROOT, b.history),
            replays: flags.replays,
          } satisfies SourceMapMemoryChildOptions);
          v.runs.push(child.ready);
          await child.stop();
        }
      }
      console.log(
        `${b.name} bundle, ${flags.replays} replays of ${b.history} per process, ${flags.rounds} processes each:`,
      );
      for (const v of variants) {
        const list = (pick: (f: SourceMapMemoryFigures) => number) =>
          v.runs.map((f) => pick(f).toFixed(1)).join(', ');
        console.log(
          `  ${v.name.padEnd(22)} ${String(segments(v.code)).padStart(6)} segments; external ${list((f) => f.externalMiB)} MiB; ` +
            `RSS ${list((f) => f.rssMiB)} MiB (peak ${list((f) => f.peakRssMiB)})`,
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

runBench(COMMAND, main);
