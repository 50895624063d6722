/**
 * Benchmark: provision a simulated fleet on a private Temporal dev server, or
 * on a Temporal cluster shaped like production (--server cluster: PostgreSQL,
 * frontend, history, matching and worker as four processes, mTLS; the test
 * harness's, bench/temporal-cluster.ts).
 *   node dist/bench/provision-fleet.js [flags]   (--help lists them with their defaults: COMMAND below)
 * One DPU is provisioned alone first, on the same server and workers with
 * nothing else running, then the fleet. The headline is the fleet's makespan
 * divided by that DPU's uncontended time: what an operator waits for against
 * what one DPU needs. It also prints, from the workflow histories of every run
 * the fleet started, events, workflow tasks and estimated Temporal Actions per
 * provisioned DPU (history-cost.ts says what counts), and the control worker's
 * peak RSS and the CPU seconds it spent on the fleet, and the CPU seconds the
 * Temporal server's own processes spent on it (the dev server's one process,
 * or the cluster's four services; PostgreSQL not counted). The simulators (DMS, sysfs
 * "kernels", BFB server) run in a child process of their own
 * (sim-fleet-process.ts), the workers in theirs. Never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { connectClient, temporalSettings } from '../platform/connection/temporal';
import { startProvision } from '../cli/dpu/start-provision';
import { waitForPollers } from '../platform/connection/pollers';
import type { DpuStatus } from '../model/dpu';
import { Phase } from '../model/phases';
import { statusQuery } from '../model/dpu-provision-api';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../model/task-queues';
import { provisionDpuWorkflowId } from '../model/workflow-ids';
import {
  spawnControlWorker,
  spawnHostWorkers,
  untilReady,
  type WorkerProcess,
} from '../cli/demo/worker-processes';
import { startBenchTemporal } from './temporal-dev-server';
import { choiceFlag, countFlag, type FlagValues, numberFlag, textFlag } from './command-line';
import { runBench } from './run-bench';
import { startBenchCluster } from './temporal-cluster';
import { cpuSeconds, machineCpuSeconds, peakRssMiB } from './measure';
import { timelineReport, timelinesOf } from './flow-timeline';
import { countersReport, readServerCounters } from './server-requests';
import { costOfRunsStarted, type HistoryCost } from './history-cost';
import { spawnSimFleet, type ChildSimFleet } from './sim-fleet-child';

const COMMAND = {
  name: 'provision-fleet',
  about: [
    'one simulated DPU provisioned alone, then a simulated fleet, on one Temporal server',
    'with the workers and the simulators as processes. Prints the makespan over one DPU alone,',
    'events, workflow tasks and Actions per DPU, the control worker peak RSS and CPU seconds.',
  ],
  flags: {
    server: choiceFlag(
      ['dev', 'cluster'],
      'dev',
      'a private dev server, or a cluster (PostgreSQL, four services, mTLS; bench/temporal-cluster.ts)',
    ),
    hosts: countFlag(20, 'simulated hosts in the fleet'),
    dpus: countFlag(10, 'DPUs per host'),
    'flash-seconds': numberFlag(30, 'how long the simulated DMS takes to flash a BFB'),
    'reboot-seconds': numberFlag(5, 'how long a simulated DPU takes to reboot'),
    'bfb-mib': numberFlag(4, 'size of the BFB image served, MiB'),
    'control-workers': countFlag(1, 'control worker processes on the one queue'),
    'control-flags': textFlag(
      '',
      "tuning flags for each control worker (workers/worker-tuning.ts), e.g. '--max-cached-workflows 200', " +
        "and --heap-growing-percent N (workers/control/process-memory.ts: default 25, 0 V8's own)",
      'FLAGS',
    ),
    'control-node-options': textFlag(
      '',
      "the control workers' NODE_OPTIONS (chart: controlWorker.memory.nodeOptions); --max-semi-space-size=4 is added " +
        "unless they name one (--max-semi-space-size=0: Node's default)",
      'OPTIONS',
    ),
    'control-malloc-arena-max': textFlag(
      '',
      "the control workers' MALLOC_ARENA_MAX, glibc's malloc arenas (chart: controlWorker.memory.mallocArenaMax); " +
        "unset: 2, as the chart's; 0: glibc's default",
      'N',
    ),
  },
};

async function provisionAll(
  client: Client,
  fleet: ChildSimFleet,
): Promise<{
  t0: number;
  makespanMs: number;
  startsPerSec: number;
  statuses: DpuStatus[];
  called: Map<string, number>;
}> {
  const t0 = Date.now();
  const inFlight = new Set<Promise<unknown>>();
  const called = new Map<string, number>();
  for (const d of fleet.dpus) {
    called.set(provisionDpuWorkflowId(d.spec.name), Date.now());
    const p = startProvision(client, d.spec).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const startsPerSec = fleet.dpus.length / ((Date.now() - t0) / 1000);
  // Watch through visibility (the XpuflowPhase search attribute), not queries: queries to
  // 200 running workflows would load the very worker being measured.
  const prefix = fleet.dpus[0].spec.node.replace(/host-\d+$/, '');
  const settledQuery = `XpuflowDpu STARTS_WITH "${prefix}" AND XpuflowPhase IN ("Ready", "Error")`;
  while ((await client.workflow.count(settledQuery)).count < fleet.dpus.length) {
    await new Promise((r) => setTimeout(r, 500));
  }
  const statuses = await Promise.all(
    fleet.dpus.map(async (d) => {
      const handle = client.workflow.getHandle(provisionDpuWorkflowId(d.spec.name));
      const desc = await handle.describe();
      // A Ready run has completed and its result is its final status; one in Error is still open.
      return desc.status.name === 'COMPLETED'
        ? ((await handle.result()) as DpuStatus)
        : await handle.query(statusQuery);
    }),
  );
  const end = Math.max(
    ...statuses.map((s) => Date.parse(s.phases[s.phases.length - 1].endedAt ?? new Date().toISOString())),
  );
  return { t0, makespanMs: end - t0, startsPerSec, statuses, called };
}

/** One DPU's flow: from Initializing's start to Ready. */
function flowMs(s: DpuStatus): number {
  const last = s.phases[s.phases.length - 1];
  return Date.parse(last.endedAt ?? last.startedAt) - Date.parse(s.phases[0].startedAt);
}

/** Mean and max seconds each phase took, over DPUs. */
function phaseStats(statuses: DpuStatus[]): Map<string, { mean: number; max: number }> {
  const secs = new Map<string, number[]>();
  for (const s of statuses) {
    for (const p of s.phases) {
      if (!p.endedAt || p.result === 'skipped') continue;
      const list = secs.get(p.phase) ?? [];
      list.push((Date.parse(p.endedAt) - Date.parse(p.startedAt)) / 1000);
      secs.set(p.phase, list);
    }
  }
  return new Map(
    [...secs].map(([phase, l]) => [
      phase,
      { mean: l.reduce((a, b) => a + b, 0) / l.length, max: Math.max(...l) },
    ]),
  );
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { hosts, dpus, server } = flags;
  const flashSeconds = flags['flash-seconds'];
  const rebootSeconds = flags['reboot-seconds'];
  const bfbMib = flags['bfb-mib'];
  const controlWorkers = flags['control-workers'];
  const controlFlags = flags['control-flags'].split(/\s+/).filter(Boolean);
  const controlNodeOptions = flags['control-node-options'];
  const controlArenas = flags['control-malloc-arena-max'];
  const controlEnv = {
    ...(controlNodeOptions ? { NODE_OPTIONS: controlNodeOptions } : {}),
    ...(controlArenas ? { MALLOC_ARENA_MAX: controlArenas } : {}),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-'));
  const procs: WorkerProcess[] = [];
  const fleets: ChildSimFleet[] = [];
  // Whatever started is stopped, even when the server does not start or the bench cannot reach it.
  let stopServer: (() => Promise<void>) | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  try {
    const temporal =
      server === 'cluster'
        ? await startBenchCluster('xpuflow-bench')
        : await startBenchTemporal(path.join(dir, 'temporal'));
    stopServer = () => temporal.stop();
    const env = { TEMPORAL_CONFIG_FILE: path.join(dir, 'no-profile.toml'), ...temporal.env };
    const client = await connectClient(temporalSettings(env));
    closeClient = () => client.connection.close();
    const common = {
      flashMs: flashSeconds * 1000,
      rebootMs: rebootSeconds * 1000,
      bfbSizeBytes: bfbMib * 2 ** 20,
      timing: {
        expectedFlashSeconds: flashSeconds,
        pollInitialSeconds: 1,
        pollMaxSeconds: 2,
        rebootDelaySeconds: 1,
      },
    };
    const solo = await spawnSimFleet({
      ...common,
      dir: path.join(dir, 'solo'),
      hosts: 1,
      dpusPerHost: 1,
      prefix: 'solo-',
    });
    const fleet = await spawnSimFleet({
      ...common,
      dir: path.join(dir, 'fleet'),
      hosts,
      dpusPerHost: dpus,
      prefix: 'bench-',
    });
    fleets.push(solo, fleet);
    const controls = Array.from({ length: controlWorkers }, (_, i) =>
      spawnControlWorker({
        bfbCacheDir: path.join(dir, `cache-${i}`),
        logFile: path.join(dir, `control-${i}.log`),
        env: { ...env, ...controlEnv },
        args: controlFlags,
      }),
    );
    procs.push(...controls);
    const controlCpu = () => controls.reduce((sum, c) => sum + cpuSeconds(c.proc.pid!), 0);
    const hostWorkers = spawnHostWorkers({
      placements: [...solo.hosts, ...fleet.hosts].map((h) => ({ node: h.node, sysfsRoot: h.sysfsRoot })),
      logFile: path.join(dir, 'hosts.log'),
      env,
    });
    procs.push(hostWorkers);
    // A worker that exits first (a refused flag, say) is reported at once with the end of its log.
    await untilReady(procs, (signal) =>
      waitForPollers(
        client,
        [
          { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
          ...[...solo.hosts, ...fleet.hosts].map((h) => ({ taskQueue: hostTaskQueue(h.node) })),
          // Workers for 20 hosts can take over a minute to poll on a loaded 2-core machine.
        ],
        180_000,
        signal,
      ),
    );

    console.log(
      `one DPU alone, uncontended (flash ${flashSeconds} s, reboot ${rebootSeconds} s, BFB ${bfbMib} MiB)…`,
    );
    const ideal = await provisionAll(client, solo);
    console.log(`fleet: ${hosts * dpus} DPUs over ${hosts} hosts…`);
    const cpuBefore = controlCpu();
    const serverCpu = () => temporal.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const serverCpuBefore = serverCpu();
    const otherCpu = () => ({
      hosts: cpuSeconds(hostWorkers.proc.pid!),
      sims: cpuSeconds(fleet.pid),
      bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
      machine: machineCpuSeconds(),
    });
    const otherBefore = otherCpu();
    const metricsUrl = (temporal as { metricsUrl?: string }).metricsUrl;
    const requestsBefore = metricsUrl ? await readServerCounters(metricsUrl) : undefined;
    const result = await provisionAll(client, fleet);
    const fleetCpu = controlCpu() - cpuBefore;
    const fleetServerCpu = serverCpu() - serverCpuBefore;
    const otherAfter = otherCpu();
    const requestsAfter = metricsUrl ? await readServerCounters(metricsUrl) : undefined;
    const rss = Math.max(...controls.map((c) => peakRssMiB(c.proc.pid!)));
    const ready = result.statuses.filter((s) => s.phase === Phase.Ready).length;
    const soloCost = await costOfRunsStarted(client, ideal.t0, result.t0);
    const fleetCost = await costOfRunsStarted(client, result.t0, Date.now());
    const longest = Math.max(...result.statuses.map(flowMs));
    const perDpu = (c: HistoryCost, n: number, k: keyof HistoryCost) => (c[k] / Math.max(1, n)).toFixed(1);
    console.log(
      `Temporal server:            ${server === 'cluster' ? 'cluster (PostgreSQL, 4 services, mTLS)' : 'dev server (SQLite, one process)'}`,
    );
    console.log(`DPUs Ready:                 ${ready} / ${result.statuses.length}`);
    for (const s of result.statuses.filter((x) => x.phase !== Phase.Ready)) {
      console.log(
        `  not Ready: ${s.dpu} in ${s.phase}: ${s.lastError?.phase} failed: ${s.lastError?.message}`,
      );
    }
    console.log(`makespan:                   ${(result.makespanMs / 1000).toFixed(1)} s`);
    console.log(
      `one DPU alone:              ${(ideal.makespanMs / 1000).toFixed(1)} s (uncontended, same run)`,
    );
    console.log(
      `makespan / one DPU alone:   ${(result.makespanMs / ideal.makespanMs).toFixed(3)} (goal ≤ 1.25)`,
    );
    console.log(
      `longest flow in the fleet:  ${(longest / 1000).toFixed(1)} s (makespan / this: ${(result.makespanMs / longest).toFixed(3)})`,
    );
    console.log(`workflow starts per second: ${result.startsPerSec.toFixed(1)}`);
    console.log(
      `per provisioned DPU:        ${perDpu(fleetCost, ready, 'events')} events, ${perDpu(fleetCost, ready, 'workflowTasks')} workflow tasks, ` +
        `${perDpu(fleetCost, ready, 'actions')} Actions (est.), ${perDpu(fleetCost, ready, 'workflows')} workflow runs  (goal ≤ 60 events)`,
    );
    console.log(
      `  the DPU alone:            ${soloCost.events} events, ${soloCost.workflowTasks} workflow tasks, ${soloCost.actions} Actions (est.), ${soloCost.workflows} workflow runs`,
    );
    console.log(
      `control workers:            ${controlWorkers}${controlFlags.length ? ` with ${controlFlags.join(' ')}` : ' (default tuning)'}${Object.entries(
        controlEnv,
      )
        .map(([k, v]) => `, ${k}=${v}`)
        .join('')}`,
    );
    console.log(
      `control worker peak RSS:    ${rss.toFixed(0)} MiB (goal ≤ 250 MiB${controlWorkers > 1 ? '; the largest of them' : ''})`,
    );
    console.log(
      `control worker CPU:         ${fleetCpu.toFixed(1)} s over the fleet (${((fleetCpu / Math.max(1, ready)) * 1000).toFixed(0)} ms per provisioned DPU), ${controlCpu().toFixed(1)} s since ${controlWorkers > 1 ? 'they' : 'it'} started`,
    );
    console.log(
      `Temporal server CPU:        ${fleetServerCpu.toFixed(1)} s over the fleet (${((fleetServerCpu / Math.max(1, ready)) * 1000).toFixed(0)} ms per provisioned DPU; ${temporal.pids().length} process(es))`,
    );
    const fleetSecs = result.makespanMs / 1000;
    const machineBusy = otherAfter.machine.busy - otherBefore.machine.busy;
    const machineAll = otherAfter.machine.all - otherBefore.machine.all;
    console.log(
      `CPU over the fleet, s:      control ${fleetCpu.toFixed(1)}, server ${fleetServerCpu.toFixed(1)}, ` +
        `host workers ${(otherAfter.hosts - otherBefore.hosts).toFixed(1)}, simulators ${(otherAfter.sims - otherBefore.sims).toFixed(1)}, ` +
        `bench ${(otherAfter.bench - otherBefore.bench).toFixed(1)}; the machine ${machineBusy.toFixed(1)} busy of ${machineAll.toFixed(1)} ` +
        `(${os.cpus().length} cores × ${fleetSecs.toFixed(1)} s; others' work included)`,
    );
    if (requestsBefore && requestsAfter) {
      console.log('what the server was asked over the fleet (its /metrics):');
      for (const line of countersReport(requestsBefore, requestsAfter, ready)) console.log(line);
    }
    const fleetTimes = await timelinesOf(client, result.called);
    const [aloneTime] = await timelinesOf(client, ideal.called);
    for (const line of timelineReport(fleetTimes, result.t0, aloneTime)) console.log(line);
    console.log('phase durations over the fleet (mean / max, s), against the DPU alone:');
    for (const [phase, fleetStats] of phaseStats(result.statuses)) {
      const solo = phaseStats(ideal.statuses).get(phase);
      console.log(
        `  ${phase.padEnd(27)} ${fleetStats.mean.toFixed(1).padStart(6)} / ${fleetStats.max.toFixed(1).padStart(6)}   alone ${solo?.mean.toFixed(1) ?? '-'}`,
      );
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(fleets.map((f) => f.stop()));
    await closeClient?.();
    await stopServer?.();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
