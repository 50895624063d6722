/**
 * source-map-memory's helper: one process per bundle variant, so each starts
 * from the same empty heap. It replays a captured history against the bundle
 * as many times as asked, through one replay worker of the SDK
 * (Worker.runReplayHistories: the workflows run on this process's main
 * thread), and reports what the process holds afterwards. One worker, so one
 * source-map consumer, as in a control or host worker.
 */
import fs from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { serveUntilStopped } from './child-process';

export interface SourceMapMemoryChildOptions {
  bundleFile: string;
  historyFile: string;
  replays: number;
}

export interface SourceMapMemoryFigures {
  /** V8's external memory (the source-map consumer's WebAssembly memory among it), MiB. */
  externalMiB: number;
  rssMiB: number;
  peakRssMiB: number;
}

function statusMiB(key: string): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`/proc/self/status has no ${key}: this benchmark reads Linux's /proc`);
  return Number(m[1]) / 1024;
}

serveUntilStopped<SourceMapMemoryChildOptions, SourceMapMemoryFigures>(async (opts) => {
  const code = fs.readFileSync(opts.bundleFile, 'utf8');
  const history = historyFromJSON(JSON.parse(fs.readFileSync(opts.historyFile, 'utf8')));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const histories = Array.from({ length: opts.replays }, (_, i) => ({ workflowId: `replay-${i}`, history }));
  for await (const r of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
    if (r.error) throw new Error(`replay ${r.workflowId} of ${opts.historyFile} failed: ${r.error.message}`);
  }
  const ready = {
    externalMiB: process.memoryUsage().external / 2 ** 20,
    rssMiB: statusMiB('VmRSS'),
    peakRssMiB: statusMiB('VmHWM'),
  };
  return { ready, stop: async () => undefined };
});
