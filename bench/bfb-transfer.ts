/**
 * What streaming BFBs to DMS costs the control worker: one image file sent to
 * many DMS simulators at once through `dmsInstallFile`, the activity the
 * control worker runs for OS Installing (gNOI OS.Install: TransferRequest,
 * the content in chunks, TransferEnd, Validated), with its DMS client pool,
 * outside Temporal. The simulators run in a process of their own
 * (dms-sim-process.ts). Prints the wall time and throughput, this process's
 * CPU per MiB sent (user and system), and its peak RSS before and after the
 * transfers (VmHWM): what each transfer in flight adds to the worker's memory.
 *
 *   node dist/bench/bfb-transfer.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It prints figures and never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDmsActivities, DmsClients } from '../activities/dms';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import { peakRssMiB } from './measure';
import { spawnBenchChild } from './child-process';
import type { DmsSimProcessOptions } from './dms-sim-process';

const COMMAND = {
  name: 'bfb-transfer',
  about: [
    'one image file streamed to many DMS simulators at once through dmsInstallFile (gNOI OS.Install),',
    'outside Temporal, the simulators in a process of their own: wall time, MiB/s, this process’s CPU',
    'per MiB sent and its peak RSS (VmHWM) before and after the transfers.',
  ],
  flags: {
    transfers: countFlag(16, 'transfers at once, each to a simulator of its own'),
    mib: countFlag(64, 'size of the image file, MiB'),
    'chunk-kib': countFlag(256, 'bytes per transfer_content message, KiB (the control worker’s default)'),
    rounds: countFlag(1, 'times the transfers are run, each to a new version'),
  },
};

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { transfers, mib, rounds } = flags;
  const chunkBytes = flags['chunk-kib'] * 1024;
  const sims = await spawnBenchChild<{ addresses: string[] }>('dms-sim-process.js', {
    count: transfers,
  } satisfies DmsSimProcessOptions);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-bfb-'));
  const clients = new DmsClients();
  try {
    const image = path.join(dir, 'image.bfb');
    const block = Buffer.alloc(1024 * 1024);
    const out = fs.openSync(image, 'w');
    for (let i = 0; i < mib; i++) {
      block.fill(i % 251);
      block.writeUInt32BE(i, 0);
      fs.writeSync(out, block);
    }
    fs.closeSync(out);
    const dms = createDmsActivities({ clients, chunkBytes });
    console.log(
      `BFB transfer: ${transfers} at once, ${mib} MiB each, ${flags['chunk-kib']} KiB a message, ${rounds} round(s)`,
    );
    const rssBefore = peakRssMiB(process.pid);
    for (let round = 1; round <= rounds; round++) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const results = await Promise.all(
        sims.ready.addresses.map((address, i) =>
          dms.dmsInstallFile({ dpu: `dpu-${i}`, address, version: `bf-${round}`, filePath: image }),
        ),
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = process.cpuUsage(cpu0);
      const sent = results.reduce((sum, r) => sum + r.bytesSent, 0) / 2 ** 20;
      if (sent !== transfers * mib) {
        throw new Error(
          `round ${round}: ${sent} MiB sent, ${transfers * mib} MiB expected: ${JSON.stringify(results)}`,
        );
      }
      const perMib = (us: number) => (us / 1000 / sent).toFixed(2);
      console.log(
        `round ${round}: ${sent} MiB in ${seconds.toFixed(2)} s (${(sent / seconds).toFixed(0)} MiB/s); ` +
          `CPU ${perMib(cpu.user + cpu.system)} ms per MiB (user ${perMib(cpu.user)}, system ${perMib(cpu.system)})`,
      );
    }
    console.log(
      `peak RSS of this process: ${peakRssMiB(process.pid).toFixed(0)} MiB (${rssBefore.toFixed(0)} MiB before the transfers)`,
    );
  } finally {
    clients.close();
    await sims.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
