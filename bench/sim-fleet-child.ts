/** Starts a simulated fleet in a child process (sim-fleet-process.ts) and learns its hosts and DPUs. */
import type { DpuSpec } from '../model/dpu';
import type { SimFleetOptions } from '../sim/fleet';
import { spawnBenchChild } from './child-process';

export interface ChildSimFleet {
  pid: number;
  hosts: Array<{ node: string; sysfsRoot: string }>;
  dpus: Array<{ spec: DpuSpec }>;
  stop(): Promise<void>;
}

/** Options that travel as JSON: SimFleetOptions without its functions (clock, dmsListen). */
export type ChildSimFleetOptions = Omit<SimFleetOptions, 'clock' | 'dmsListen'>;

export async function spawnSimFleet(opts: ChildSimFleetOptions): Promise<ChildSimFleet> {
  const child = await spawnBenchChild<Pick<ChildSimFleet, 'hosts' | 'dpus'>>('sim-fleet-process.js', opts);
  return { pid: child.pid, ...child.ready, stop: child.stop };
}
