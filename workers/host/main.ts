/**
 * Entry point of a host worker process.
 *   node dist/workers/host/main.js --node NODE [--sysfs-root /sys] [--vf-config vf.json]
 *   node dist/workers/host/main.js --nodes nodes.json   (simulated hosts: [{ "node", "sysfsRoot" }, …])
 * Temporal connection settings come from the environment (see connection/temporal.ts).
 */
import fs from 'node:fs';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { connectClient, connectWorker, temporalSettings } from '../../platform/connection/temporal';
import { readVfConfig, type VfHostConfig } from '../../node/hostagent/config';
import { startVfHostServices, type VfHostServices } from '../../node/hostagent/services';
import { hostTaskQueue } from '../../model/task-queues';
import { installWorkerRuntime } from '../../platform/observability/runtime';
import { createHostWorker } from './worker';

export interface HostPlacement {
  node: string;
  sysfsRoot?: string;
  /** VF attach services (host agent, device plugins, lease collector): a config or its file. */
  vf?: VfHostConfig | string;
}

/** Runs one host worker per placement on one connection until SIGINT/SIGTERM. */
export async function runHostWorkers(placements: HostPlacement[], metricsAddress?: string): Promise<void> {
  installWorkerRuntime({
    component: 'host-worker',
    metricsAddress,
    node: placements.map((p) => p.node).join(','),
  });
  const settings = temporalSettings();
  const dataConverter = codecDataConverter();
  const connection = await connectWorker(settings);
  const workers = await Promise.all(
    placements.map((p) =>
      createHostWorker({
        connection,
        namespace: settings.namespace,
        node: p.node,
        sysfsRoot: p.sysfsRoot ?? '/sys',
        dataConverter,
        stateDir: vfConfigOf(p)?.stateDir,
      }),
    ),
  );
  const vfServices: VfHostServices[] = [];
  if (placements.some((p) => p.vf)) {
    const client = await connectClient(settings);
    for (const p of placements) {
      const config = vfConfigOf(p);
      if (!config) continue;
      vfServices.push(
        await startVfHostServices({ client, node: p.node, sysfsRoot: p.sysfsRoot ?? '/sys', config }),
      );
      console.log(
        `host agent for ${p.node} on ${config.hostAgentSocket}; pools ${config.pools.map((x) => x.name).join(', ')}`,
      );
    }
  }
  for (const p of placements) {
    console.log(
      `host worker for ${p.node} polling ${hostTaskQueue(p.node)} (sysfs ${p.sysfsRoot ?? '/sys'})`,
    );
  }
  await Promise.all(workers.map((w) => w.run()));
  await Promise.all(vfServices.map((v) => v.stop()));
  await connection.close();
}

function vfConfigOf(p: HostPlacement): VfHostConfig | undefined {
  return typeof p.vf === 'string' ? readVfConfig(p.vf) : p.vf;
}

export async function runHostWorker(opts: {
  node: string;
  sysfsRoot?: string;
  metricsAddress?: string;
  vf?: string;
}): Promise<void> {
  await runHostWorkers([{ node: opts.node, sysfsRoot: opts.sysfsRoot, vf: opts.vf }], opts.metricsAddress);
}

function placementsFromArgs(argv: string[]): HostPlacement[] {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const file = arg('--nodes');
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8')) as HostPlacement[];
  const node = arg('--node') ?? process.env.XPUFLOW_NODE_NAME;
  if (!node) throw new Error('say which node this is: --node NODE (or XPUFLOW_NODE_NAME), or --nodes FILE');
  return [{ node, sysfsRoot: arg('--sysfs-root'), vf: arg('--vf-config') }];
}

if (require.main === module) {
  Promise.resolve()
    .then(() => {
      const i = process.argv.indexOf('--metrics');
      return runHostWorkers(placementsFromArgs(process.argv), i > 0 ? process.argv[i + 1] : undefined);
    })
    .catch((err) => {
      console.error(`host worker: ${(err as Error).message}`);
      process.exit(1);
    });
}
