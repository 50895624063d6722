/**
 * The demo: a simulated fleet (sysfs trees, DMS simulators, a BFB server) in
 * this process, the control worker and the host workers as child processes,
 * and one ProvisionDpu workflow per DPU on the Temporal server of the
 * environment (the local dev server by default).
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectClient, temporalSettings } from '../../platform/connection/temporal';
import { requireSearchAttributes } from '../../platform/connection/search-attributes-check';
import { waitForPollers } from '../../platform/connection/pollers';
import { Phase } from '../../model/phases';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import type { Client } from '@temporalio/client';
import { startSimFleet, type SimFleet } from '../../sim/fleet';
import { spawnControlWorker, spawnHostWorkers, untilReady, type WorkerProcess } from './worker-processes';
import { startProvision } from '../dpu/start-provision';
import type { DpuView } from '../dpu/read-status';
import { watchDpus } from '../dpu/watch';
import { renderFleet } from './fleet-view';

export interface DemoOptions {
  hosts: number;
  dpus: number;
  flashSeconds: number;
  rebootSeconds: number;
  bfbMib: number;
  numVfs: number;
  timeoutSeconds: number;
  workDir: string;
}

export async function runDemo(o: DemoOptions): Promise<number> {
  const settings = temporalSettings();
  const client = await connectClient(settings);
  // A namespace not set up is named now, before the fleet, the workers or any workflow starts.
  await requireSearchAttributes(client).catch(async (err: unknown) => {
    await client.connection.close();
    throw err;
  });
  const fleetId = `demo-${Date.now().toString(36).slice(-5)}`;
  const dir = path.resolve(o.workDir, fleetId);
  fs.mkdirSync(dir, { recursive: true });
  console.log(
    `xpuflow demo ${fleetId}: ${o.hosts} hosts × ${o.dpus} DPUs, flash ${o.flashSeconds} s, reboot ${o.rebootSeconds} s, ` +
      `BFB ${o.bfbMib} MiB; Temporal ${settings.address} (namespace ${settings.namespace})`,
  );

  const fleet = await startDemoFleet(o, dir, fleetId);
  const workers: WorkerProcess[] = [];
  const cleanup = async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await fleet.stop();
  };
  const onSignal = () => {
    console.log('\ninterrupted: stopping workers and simulators (the workflows stay in Temporal)');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await startDemoWorkers(client, fleet, dir, workers);

    const started = Date.now();
    for (const d of fleet.dpus) await startProvision(client, d.spec);
    const uiQuery = encodeURIComponent(`XpuflowDpu STARTS_WITH "${fleetId}"`);
    console.log(`Temporal UI: ${settings.uiUrl}/namespaces/${settings.namespace}/workflows?query=${uiQuery}`);

    const views = await watchDpus(
      client,
      fleet.dpus.map((d) => d.spec.name),
      {
        timeoutMs: o.timeoutSeconds * 1000,
        intervalMs: 1000,
        render: (v, tty) => renderFleet(v, tty ? Date.now() - started : undefined),
      },
    );
    return report(views, started, dir);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

/** The simulated fleet: per host a sysfs tree, per DPU a DMS simulator, and a BFB server. */
function startDemoFleet(o: DemoOptions, dir: string, fleetId: string): Promise<SimFleet> {
  return startSimFleet({
    dir,
    hosts: o.hosts,
    dpusPerHost: o.dpus,
    prefix: `${fleetId}-`,
    flashMs: o.flashSeconds * 1000,
    rebootMs: o.rebootSeconds * 1000,
    bfbSizeBytes: Math.round(o.bfbMib * 2 ** 20),
    numVfs: o.numVfs,
    timing: {
      expectedFlashSeconds: o.flashSeconds,
      pollInitialSeconds: 1,
      pollMaxSeconds: Math.max(2, Math.min(30, o.flashSeconds / 4)),
      hostScheduleToStartSeconds: 30,
      rebootDelaySeconds: 1,
    },
  });
}

/**
 * Starts the control worker and the fleet's host workers as child processes,
 * added to `workers` at once (so a cleanup stops them), and waits until all
 * poll; a worker that exits first fails the demo at once with its reason.
 */
async function startDemoWorkers(
  client: Client,
  fleet: SimFleet,
  dir: string,
  workers: WorkerProcess[],
): Promise<void> {
  workers.push(
    spawnControlWorker({
      bfbCacheDir: path.join(dir, 'bfb-cache'),
      logFile: path.join(dir, 'control-worker.log'),
    }),
    spawnHostWorkers({
      // The demo's hosts are in no Kubernetes cluster: no node discovery.
      placements: fleet.hosts.map((h) => ({
        node: h.node,
        sysfsRoot: h.sysfsRoot,
        discovery: { intervalSeconds: 0 },
      })),
      logFile: path.join(dir, 'host-workers.log'),
    }),
  );
  await untilReady(workers, (signal) =>
    waitForPollers(
      client,
      [
        { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
        ...fleet.hosts.map((h) => ({ taskQueue: hostTaskQueue(h.node) })),
      ],
      60_000,
      signal,
    ),
  );
}

/** Prints how many DPUs are Ready and why the others are not; the exit code (0 when all are Ready). */
function report(views: DpuView[], started: number, dir: string): number {
  const ready = views.filter((v) => v.status?.phase === Phase.Ready).length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (ready === views.length) {
    console.log(`all ${ready} DPUs Ready in ${seconds} s; logs in ${dir}`);
    return 0;
  }
  console.log(`${ready} of ${views.length} DPUs Ready after ${seconds} s; logs in ${dir}`);
  for (const v of views.filter((x) => x.status?.phase !== Phase.Ready)) {
    console.log(
      `  ${v.workflowId}: ${v.status?.phase ?? v.execution}${v.status?.lastError ? `: ${v.status.lastError.message}` : ''}`,
    );
  }
  return 1;
}
