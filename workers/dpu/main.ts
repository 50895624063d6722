/**
 * Entry point of a DPU worker process.
 *   node dist/workers/dpu/main.js --dpu NAME --opi HOST:PORT [--ovs-db unix:SOCK] [--ovs-rundir DIR] [--ovs-datapath netdev]
 *   node dist/workers/dpu/main.js --dpus dpus.json   ([{ "dpu", "opiAddress", "ovsDb"?, "ovsRundir"?, "ovsDatapathType"? }, …])
 * Temporal connection settings come from the environment (see connection/temporal.ts).
 */
import fs from 'node:fs';
import { codecDataConverter } from '../../platform/codec/data-converter';
import { connectWorker, temporalSettings } from '../../platform/connection/temporal';
import { dpuTaskQueue } from '../../model/task-queues';
import { createDpuWorker } from './worker';

export interface DpuPlacement {
  dpu: string;
  opiAddress: string;
  /** The DPU's ovsdb (default unix:/var/run/openvswitch/db.sock). */
  ovsDb?: string;
  ovsRundir?: string;
  ovsDatapathType?: string;
}

export async function runDpuWorkers(placements: DpuPlacement[]): Promise<void> {
  const settings = temporalSettings();
  const connection = await connectWorker(settings);
  const dataConverter = codecDataConverter(); // XPUFLOW_CODEC_KEYS: the same codec as every process
  const workers = await Promise.all(
    placements.map((p) =>
      createDpuWorker({ connection, namespace: settings.namespace, dataConverter, ...p }),
    ),
  );
  for (const p of placements)
    console.log(
      `DPU worker for ${p.dpu} polling ${dpuTaskQueue(p.dpu)} (OPI ${p.opiAddress}, OVS ${p.ovsDb ?? 'default db'})`,
    );
  await Promise.all(workers.map((w) => w.run()));
  await connection.close();
}

function placementsFromArgs(argv: string[]): DpuPlacement[] {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const file = arg('--dpus');
  if (file) return JSON.parse(fs.readFileSync(file, 'utf8')) as DpuPlacement[];
  const dpu = arg('--dpu');
  const opiAddress = arg('--opi');
  if (!dpu || !opiAddress)
    throw new Error('say which DPU and its OPI server: --dpu NAME --opi HOST:PORT, or --dpus FILE');
  const ovsDb = arg('--ovs-db');
  const ovsRundir = arg('--ovs-rundir');
  const ovsDatapathType = arg('--ovs-datapath');
  return [
    {
      dpu,
      opiAddress,
      ...(ovsDb ? { ovsDb } : {}),
      ...(ovsRundir ? { ovsRundir } : {}),
      ...(ovsDatapathType ? { ovsDatapathType } : {}),
    },
  ];
}

if (require.main === module) {
  Promise.resolve()
    .then(() => runDpuWorkers(placementsFromArgs(process.argv)))
    .catch((err) => {
      console.error(`DPU worker: ${(err as Error).message}`);
      process.exit(1);
    });
}
