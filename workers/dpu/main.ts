/**
 * Entry point of a DPU worker process.
 *   node dist/workers/dpu/main.js (--dpu NAME [--namespace NS] | --dpu-node NODE) --opi HOST:PORT
 *       [--ovs-db unix:SOCK] [--ovs-rundir DIR] [--ovs-datapath netdev]
 *   node dist/workers/dpu/main.js --dpus dpus.json
 *       ([{ "dpu"?, "dpuNamespace"?, "dpuNode"?, "opiAddress", "ovsDb"?, "ovsRundir"?, "ovsDatapathType"? }, …])
 * Temporal connection settings come from the environment (see platform/connection/temporal.ts).
 */
import fs from 'node:fs';
import { requireNamespaceAt } from '../../platform/connection/namespace-check';
import { connectWorkerProcess, flagValue, runUntilShutdown, runWorkerMain } from '../worker-process';
import { createDpuWorker, dpuWorkerQueue, type DpuIdentity } from './worker';

export interface DpuPlacement extends DpuIdentity {
  opiAddress: string;
  /** The DPU's ovsdb (default unix:/var/run/openvswitch/db.sock). */
  ovsDb?: string;
  ovsRundir?: string;
  ovsDatapathType?: string;
}

export async function runDpuWorkers(placements: DpuPlacement[]): Promise<void> {
  // Which DPU each serves, checked before connecting: a wrong name is refused naming it.
  const queues = placements.map(dpuWorkerQueue);
  const { settings, connection, dataConverter } = await connectWorkerProcess(requireNamespaceAt);
  const workers = await Promise.all(
    placements.map((p) =>
      createDpuWorker({ connection, namespace: settings.namespace, dataConverter, ...p }),
    ),
  );
  for (const [i, p] of placements.entries()) {
    const { queue, name } = queues[i];
    console.log(
      `DPU worker for ${name} polling ${queue} (OPI ${p.opiAddress}, OVS ${p.ovsDb ?? 'default db'})`,
    );
  }
  await runUntilShutdown(connection, workers);
}

function placementsFromArgs(argv: string[]): DpuPlacement[] {
  const file = flagValue(argv, '--dpus');
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8')) as DpuPlacement[];
  const dpu = flagValue(argv, '--dpu');
  const namespace = flagValue(argv, '--namespace');
  const dpuNode = flagValue(argv, '--dpu-node');
  const opiAddress = flagValue(argv, '--opi');
  if ((!dpu && !dpuNode) || !opiAddress)
    throw new Error(
      'say which DPU and its OPI server: --dpu NAME [--namespace NS] --opi HOST:PORT, --dpu-node NODE --opi HOST:PORT, or --dpus FILE',
    );
  const ovsDb = flagValue(argv, '--ovs-db');
  const ovsRundir = flagValue(argv, '--ovs-rundir');
  const ovsDatapathType = flagValue(argv, '--ovs-datapath');
  return [
    {
      ...(dpu ? { dpu } : {}),
      ...(namespace ? { dpuNamespace: namespace } : {}),
      ...(dpuNode ? { dpuNode } : {}),
      opiAddress,
      ...(ovsDb ? { ovsDb } : {}),
      ...(ovsRundir ? { ovsRundir } : {}),
      ...(ovsDatapathType ? { ovsDatapathType } : {}),
    },
  ];
}

if (require.main === module) {
  runWorkerMain('DPU worker', () => runDpuWorkers(placementsFromArgs(process.argv)));
}
