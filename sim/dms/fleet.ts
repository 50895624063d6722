/** Many DMS simulators at once, one per simulated DPU. */
import { startDmsSimulator, type DmsSimulator, type DmsSimulatorOptions } from './simulator';

export interface DmsFleet {
  readonly sims: DmsSimulator[];
  /** Addresses in the order of `sims`. */
  readonly addresses: string[];
  stop(): Promise<void>;
}

/** Starts `count` simulators with the same options (each on its own free port unless `port` is set). */
export async function startDmsFleet(count: number, opts: DmsSimulatorOptions): Promise<DmsFleet> {
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`DMS fleet size ${count} must be a whole number of 0 or more`);
  if (count > 1 && opts.port !== undefined && opts.port !== 0) {
    throw new Error(
      `cannot start ${count} DMS simulators on the one port ${opts.port}; leave port unset or 0`,
    );
  }
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startDmsSimulator(opts)));
  const sims = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(sims.map((s) => s.stop()));
    throw failed.reason;
  }
  return {
    sims,
    addresses: sims.map((s) => s.address),
    stop: async () => {
      await Promise.all(sims.map((s) => s.stop()));
    },
  };
}
