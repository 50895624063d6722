/**
 * Worker processes for the end-to-end and Kubernetes harnesses, started from
 * dist/ (cli/demo/worker-processes.ts) and returned once Temporal sees them
 * poll, so a test never starts a workflow nobody will pick up.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { waitForPollers } from '../../platform/connection/pollers';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import type { SimFleet } from '../../sim/fleet';
import {
  spawnControlWorker,
  spawnHostWorkers,
  untilReady,
  type WorkerProcess,
} from '../../cli/demo/worker-processes';
import type { DiscoverySettings } from '../../workers/host/discovery';

/** The control worker with its BFB cache in `dir`, once it polls the control queue. */
export async function startControlWorker(
  client: Client,
  opts: { dir: string; logFile?: string; env: NodeJS.ProcessEnv; started?: (w: WorkerProcess) => void },
): Promise<WorkerProcess> {
  const worker = spawnControlWorker({
    bfbCacheDir: path.join(opts.dir, 'bfb-cache'),
    logFile: opts.logFile ?? path.join(opts.dir, 'control.log'),
    env: opts.env,
  });
  opts.started?.(worker);
  // A worker that exits first (wrong namespace, certificate refused) fails here with its log's reason.
  await untilReady([worker], (signal) =>
    waitForPollers(client, [{ taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' }], 60_000, signal),
  );
  return worker;
}

/** One host-workers process for the fleet's hosts (or several fleets' hosts), once every host queue is polled. */
export async function startFleetHostWorkers(
  client: Client,
  fleet: Pick<SimFleet, 'hosts'>,
  opts: {
    logFile: string;
    env: NodeJS.ProcessEnv;
    started?: (w: WorkerProcess) => void;
    /** Node discovery in the worker (it needs XPUFLOW_KUBECONFIG in env); off when not given. */
    discovery?: DiscoverySettings;
  },
): Promise<WorkerProcess> {
  const worker = spawnHostWorkers({
    placements: fleet.hosts.map((h) => ({
      node: h.node,
      sysfsRoot: h.sysfsRoot,
      discovery: opts.discovery ?? { intervalSeconds: 0 },
    })),
    logFile: opts.logFile,
    env: opts.env,
  });
  opts.started?.(worker);
  await untilReady([worker], (signal) =>
    waitForPollers(
      client,
      fleet.hosts.map((h) => ({ taskQueue: hostTaskQueue(h.node) })),
      60_000,
      signal,
    ),
  );
  return worker;
}
