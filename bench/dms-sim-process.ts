/**
 * DMS simulators (sim/dms) in a process of their own (child-process.ts), for
 * bench/bfb-transfer.ts: the receiving side's CPU stays out of the process
 * that measures the sending side. Ready line: `{ "addresses": [...] }`.
 */
import { startDmsFleet } from '../sim/dms';
import { serveUntilStopped } from './child-process';

export interface DmsSimProcessOptions {
  count: number;
}

serveUntilStopped(async (opts: DmsSimProcessOptions) => {
  // The flash is not what is measured: Install ends at Validated, before any Activate.
  const fleet = await startDmsFleet(opts.count, { flashMs: 1000, rebootMs: 1000, initialVersion: 'bf-old' });
  return { ready: { addresses: fleet.addresses }, stop: () => fleet.stop() };
});
