/**
 * Benchmark: the floor under provision-fleet.ts's headline. Runs N flows with
 * the provisioning flow's shape and none of its work (floor-flow.ts: no-op
 * activities, a wait retried on a backoff), one alone first, then N at once,
 * on a private dev server with one worker process, and prints the same
 * headline as the fleet: makespan / one flow alone. What it shows is what
 * this machine and this Temporal server cost a fleet of that size before
 * xpuflow does any work; a fleet cannot do better than its floor.
 *   node dist/bench/temporal-floor.js [flags]   (--help lists them with their defaults: COMMAND below)
 * The defaults are the fleet benchmark's default run: 200 DPUs, a 30 s flash
 * and 5 s reboot waited on from 30 s in, looks every 1 to 2 s; four activities
 * before the wait and one after (7 workflow tasks per flow, as a DPU's run).
 * Never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { spawnBenchChild } from './child-process';
import { countFlag, type FlagValues, numberFlag } from './command-line';
import { runBench } from './run-bench';
import type { FloorFlowInput } from './floor-shape';
import { timelineReport, timelinesOf } from './flow-timeline';
import { costOfRunsStarted } from './history-cost';
import { cpuSeconds, machineCpuSeconds, peakRssMiB } from './measure';
import { countersReport, readServerCounters } from './server-requests';
import { startBenchTemporal } from './temporal-dev-server';

const TASK_QUEUE = 'xpuflow-floor';

const COMMAND = {
  name: 'temporal-floor',
  about: [
    "the floor under provision-fleet's headline: flows with the provisioning flow's shape and none",
    'of its work, one alone then N at once, on a private dev server with one worker process.',
    'Prints makespan / one flow alone, CPU, server requests and the timeline.',
  ],
  flags: {
    flows: countFlag(200, 'flows run at once'),
    'wait-seconds': numberFlag(35, 'how long the wait lasts (the flash and reboot)'),
    'quiet-seconds': numberFlag(30, 'no look before this long into the wait'),
    'look-seconds': numberFlag(1, 'the first gap between looks (doubling to --max-look-seconds)'),
    'max-look-seconds': numberFlag(2, 'the longest gap between looks'),
    before: countFlag(4, 'no-op activities before the wait', 0),
    after: countFlag(1, 'no-op activities after the wait', 0),
  },
};

async function runFlows(
  client: Client,
  ids: string[],
  input: FloorFlowInput,
): Promise<{ t0: number; makespanMs: number; called: Map<string, number> }> {
  const t0 = Date.now();
  const called = new Map<string, number>();
  const handles: WorkflowHandle[] = [];
  const inFlight = new Set<Promise<unknown>>();
  // Sixteen start calls at a time, as the fleet benchmark starts its DPUs.
  for (const workflowId of ids) {
    called.set(workflowId, Date.now());
    const p = client.workflow
      .start('floorFlow', { taskQueue: TASK_QUEUE, workflowId, args: [input] })
      .then((h) => handles.push(h))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await Promise.all(handles.map((h) => h.result()));
  const ends = await Promise.all(
    handles.map(async (h) => (await h.describe()).closeTime?.getTime() ?? Date.now()),
  );
  return { t0, makespanMs: Math.max(...ends) - t0, called };
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { flows } = flags;
  const input: FloorFlowInput = {
    before: flags.before,
    after: flags.after,
    waitSeconds: flags['wait-seconds'],
    quietSeconds: flags['quiet-seconds'],
    lookSeconds: flags['look-seconds'],
    maxLookSeconds: flags['max-look-seconds'],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-floor-'));
  const temporal = await startBenchTemporal(path.join(dir, 'temporal'));
  const worker = await spawnBenchChild<object>('floor-worker-process.js', {
    address: temporal.address,
    taskQueue: TASK_QUEUE,
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    console.log(`one flow alone (${JSON.stringify(input)})…`);
    const alone = await runFlows(client, ['floor-alone'], input);
    console.log(`${flows} flows at once…`);
    const cpu = () => ({
      worker: cpuSeconds(worker.pid),
      server: temporal.pids().reduce((s, pid) => s + cpuSeconds(pid), 0),
      machine: machineCpuSeconds(),
    });
    const before = cpu();
    const requestsBefore = await readServerCounters(temporal.metricsUrl!);
    const ids = Array.from({ length: flows }, (_, i) => `floor-${i}`);
    const fleet = await runFlows(client, ids, input);
    const after = cpu();
    const requestsAfter = await readServerCounters(temporal.metricsUrl!);
    const cost = await costOfRunsStarted(client, fleet.t0, Date.now());
    const per = (x: number) => (x / flows).toFixed(1);
    const ms = (s: number) => ((s / flows) * 1000).toFixed(0);
    console.log(`makespan:                   ${(fleet.makespanMs / 1000).toFixed(1)} s`);
    console.log(
      `one flow alone:             ${(alone.makespanMs / 1000).toFixed(1)} s (uncontended, same run)`,
    );
    console.log(
      `makespan / one flow alone:  ${(fleet.makespanMs / alone.makespanMs).toFixed(3)} (the floor under the fleet's)`,
    );
    console.log(
      `per flow:                   ${per(cost.events)} events, ${per(cost.workflowTasks)} workflow tasks, ${per(cost.actions)} Actions (est.)`,
    );
    const w = after.worker - before.worker;
    const s = after.server - before.server;
    console.log(`worker peak RSS:            ${peakRssMiB(worker.pid).toFixed(0)} MiB`);
    console.log(
      `CPU over the flows, s:      worker ${w.toFixed(1)} (${ms(w)} ms per flow), server ${s.toFixed(1)} (${ms(s)} ms per flow); ` +
        `the machine ${(after.machine.busy - before.machine.busy).toFixed(1)} busy of ${(after.machine.all - before.machine.all).toFixed(1)}`,
    );
    console.log('what the server was asked over the flows (its /metrics):');
    for (const line of countersReport(requestsBefore, requestsAfter, flows, 12, 'flow')) console.log(line);
    const [aloneTime] = await timelinesOf(client, alone.called);
    for (const line of timelineReport(await timelinesOf(client, fleet.called), fleet.t0, aloneTime))
      console.log(line);
  } finally {
    await worker.stop();
    await connection.close();
    await temporal.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
