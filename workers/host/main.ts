/**
 * Entry point of a host worker process.
 *   node dist/workers/host/main.js --node NODE [--sysfs-root /sys] [--vf-config vf.json] [--metrics HOST:PORT]
 *                                   [--discovery-interval SECONDS] [--discovery-remove-after SECONDS]
 *                                   [--xpu-id VENDOR:DEVICE=MODEL …]
 *   node dist/workers/host/main.js --nodes nodes.json   (simulated hosts: [{ "node", "sysfsRoot", "discovery" }, …])
 * Temporal connection settings come from the environment (see platform/connection/temporal.ts);
 * node discovery's Kubernetes cluster too (see platform/kube/config.ts).
 */
import fs from 'node:fs';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../../platform/connection/temporal';
import { readVfConfig, type VfHostConfig } from '../../node/hostagent/config';
import { startVfHostServices, type VfHostServices } from '../../node/hostagent/services';
import { hostTaskQueue } from '../../model/task-queues';
import { installWorkerRuntime } from '../../platform/observability/runtime';
import { requireNamespaceAt } from '../../platform/connection/namespace-check';
import { connectWorkerProcess, flagValue, runUntilShutdown, runWorkerMain } from '../worker-process';
import { kubeConfigFromEnv } from '../../platform/kube/config';
import { createHostWorker } from './worker';
import {
  parseDiscoveryInterval,
  parseRemoveAfter,
  startHostDiscoveries,
  type DiscoverySettings,
} from './discovery';

export interface HostPlacement {
  node: string;
  sysfsRoot?: string;
  /** VF attach services (host agent, device plugins, lease collector): a config or its file. */
  vf?: VfHostConfig | string;
  /** Node discovery of this host's DPUs into its Node's labels (node/discovery). */
  discovery?: DiscoverySettings;
  /** Where VM claims keep their state when there is no VF config (default /var/lib/xpuflow). */
  stateDir?: string;
  /** Where the VMs' QMP sockets are (`<qmpDir>/<vm>.qmp`); default /run/xpuflow/qmp. */
  qmpDir?: string;
}

/** Runs one host worker per placement on one connection until SIGINT/SIGTERM. */
export async function runHostWorkers(placements: HostPlacement[], metricsAddress?: string): Promise<void> {
  installWorkerRuntime({
    component: 'host-worker',
    metricsAddress,
  });
  const discoveries = startHostDiscoveries(
    placements.map((p) => ({ ...p, sysfsRoot: p.sysfsRoot ?? '/sys' })),
    () => kubeConfigFromEnv(),
  );
  const { settings, connection, dataConverter } = await connectWorkerProcess(requireNamespaceAt);
  // The VF services start beside the workers, not after them: a worker loads its workflow bundle
  // first, and the host agent's socket should answer meanwhile (a lease waits for the worker anyway).
  const [workers, vfServices] = await Promise.all([
    Promise.all(
      placements.map((p) =>
        createHostWorker({
          connection,
          namespace: settings.namespace,
          node: p.node,
          sysfsRoot: p.sysfsRoot ?? '/sys',
          dataConverter,
          stateDir: vfConfigOf(p)?.stateDir ?? p.stateDir,
          qmpDir: p.qmpDir,
          pools: vfConfigOf(p)?.pools,
        }),
      ),
    ),
    startVfServices(settings, connection, dataConverter, placements),
  ]);
  for (const p of placements) {
    console.log(
      `host worker for ${p.node} polling ${hostTaskQueue(p.node)} (sysfs ${p.sysfsRoot ?? '/sys'})`,
    );
  }
  await runUntilShutdown(connection, workers, () =>
    Promise.all([...vfServices.map((v) => v.stop()), ...discoveries.map((d) => d.stop())]),
  );
}

/**
 * The VF attach services of the placements that have a VF config, on one
 * client sharing the workers' NativeConnection: a lease the device plugin
 * starts on this node's queue is started eagerly, its first workflow task
 * handed to this process's host worker in the start's answer.
 */
async function startVfServices(
  settings: TemporalSettings,
  connection: NativeConnection,
  dataConverter: DataConverter | undefined,
  placements: HostPlacement[],
): Promise<VfHostServices[]> {
  const vfServices: VfHostServices[] = [];
  if (!placements.some((p) => p.vf)) return vfServices;
  const client = new Client({
    connection,
    namespace: settings.namespace,
    ...(dataConverter ? { dataConverter } : {}),
  });
  for (const p of placements) {
    const config = vfConfigOf(p);
    if (!config) continue;
    vfServices.push(
      await startVfHostServices({
        client,
        node: p.node,
        sysfsRoot: p.sysfsRoot ?? '/sys',
        config,
        eagerStart: true,
      }),
    );
    console.log(
      `host agent for ${p.node} on ${config.hostAgentSocket}; pools ${config.pools.map((x) => x.name).join(', ')}`,
    );
  }
  return vfServices;
}

function vfConfigOf(p: HostPlacement): VfHostConfig | undefined {
  return typeof p.vf === 'string' ? readVfConfig(p.vf) : p.vf;
}

export async function runHostWorker(opts: {
  node: string;
  sysfsRoot?: string;
  metricsAddress?: string;
  vf?: string;
  discovery?: DiscoverySettings;
  qmpDir?: string;
}): Promise<void> {
  await runHostWorkers(
    [
      {
        node: opts.node,
        sysfsRoot: opts.sysfsRoot,
        vf: opts.vf,
        discovery: opts.discovery,
        qmpDir: opts.qmpDir,
      },
    ],
    opts.metricsAddress,
  );
}

function placementsFromArgs(argv: string[]): HostPlacement[] {
  const file = flagValue(argv, '--nodes');
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8')) as HostPlacement[];
  const node = flagValue(argv, '--node') ?? process.env.XPUFLOW_NODE_NAME;
  if (!node) throw new Error('say which node this is: --node NODE (or XPUFLOW_NODE_NAME), or --nodes FILE');
  const interval = flagValue(argv, '--discovery-interval');
  const xpuIds = argv.flatMap((a, i) => (a === '--xpu-id' && argv[i + 1] ? [argv[i + 1]] : []));
  return [
    {
      node,
      sysfsRoot: flagValue(argv, '--sysfs-root'),
      vf: flagValue(argv, '--vf-config'),
      qmpDir: flagValue(argv, '--qmp-dir'),
      discovery: {
        intervalSeconds: parseDiscoveryInterval(interval),
        removeAfterSeconds: parseRemoveAfter(flagValue(argv, '--discovery-remove-after')),
        xpuIds,
      },
    },
  ];
}

if (require.main === module) {
  runWorkerMain('host worker', () =>
    runHostWorkers(placementsFromArgs(process.argv), flagValue(process.argv, '--metrics')),
  );
}
