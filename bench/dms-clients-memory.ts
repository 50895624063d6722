/**
 * What the control worker's DMS clients hold for the DPUs it has talked to:
 * one Verify and one RebootStatus to each of many DMS simulators (the calls
 * a provisioning flow makes), through the DMS activities and their client
 * pool, outside Temporal; then the V8 heap while every address's pair is
 * open and idle, and after `retireIdle` closed them (activities/dms/clients.ts).
 * The simulators run in a process of their own (dms-sim-process.ts). The
 * channels idle after 1 s here (grpc-js's shortest idle timeout) instead of
 * the worker's 30 minutes, so the run is short; what a pair holds is the same.
 *
 *   node dist/bench/dms-clients-memory.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It prints figures and never fails for being slow.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { createDmsActivities, DmsClients } from '../activities/dms';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import { spawnBenchChild } from './child-process';
import type { DmsSimProcessOptions } from './dms-sim-process';

const COMMAND = {
  name: 'dms-clients-memory',
  about: [
    'one Verify and one RebootStatus to each of many DMS simulators through the DMS activities, outside',
    'Temporal, the simulators in a process of their own: the V8 heap the DMS clients hold per address',
    'while their channels are open and idle, and once retireIdle has closed them.',
  ],
  flags: {
    addresses: countFlag(200, 'DMS simulators, each at an address of its own'),
  },
};

// grpc-js's shortest idle timeout (internal-channel.js MIN_IDLE_TIMEOUT_MS).
const IDLE_MS = 1000;

/** The heap in use after full collections, MiB. */
function heapMiB(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { addresses } = flags;
  const sims = await spawnBenchChild<{ addresses: string[] }>('dms-sim-process.js', {
    count: addresses,
  } satisfies DmsSimProcessOptions);
  const clients = new DmsClients(
    grpc.credentials.createInsecure(),
    { 'grpc.client_idle_timeout_ms': IDLE_MS },
    // Swept by hand below.
    { everyMs: 3_600_000, handedOutGraceMs: 0 },
  );
  try {
    const dms = createDmsActivities({ clients });
    console.log(`DMS clients: ${addresses} addresses, one Verify and one RebootStatus each`);
    // One call first, so the modules' one-time allocations (protos, grpc-js) are in the baseline.
    await dms.dmsVerify({ dpu: 'dpu-0', address: sims.ready.addresses[0]! });
    await waitIdle();
    clients.retireIdle();
    const before = heapMiB();
    for (const [i, address] of sims.ready.addresses.entries()) {
      await dms.dmsVerify({ dpu: `dpu-${i}`, address });
      await dms.dmsRebootStatus({ dpu: `dpu-${i}`, address, subcomponent: 'CPU' });
    }
    await waitIdle();
    const open = heapMiB();
    const closed = clients.retireIdle();
    // grpc-js drops unused subchannels from its pool every 10 s (subchannel-pool.js REF_CHECK_INTERVAL).
    await new Promise((r) => setTimeout(r, 11_000));
    const after = heapMiB();
    const kib = (mib: number) => ((mib * 1024) / addresses).toFixed(1);
    console.log(`heap before the calls:          ${before.toFixed(1)} MiB`);
    console.log(
      `heap with ${clients.addresses + closed} pairs open, idle: ${open.toFixed(1)} MiB (${kib(open - before)} KiB per address)`,
    );
    console.log(
      `heap after retireIdle closed ${closed}: ${after.toFixed(1)} MiB (${(after - before).toFixed(1)} MiB above before the calls)`,
    );
  } finally {
    clients.close();
    await sims.stop();
  }
}

/** Past the channels' idle timeout. */
function waitIdle(): Promise<void> {
  return new Promise((r) => setTimeout(r, IDLE_MS + 1000));
}

runBench(COMMAND, main);
