/**
 * The BlueField BMC simulator as a process, for DMTF's Python tools and the benchmarks:
 *   node dist/sim/bmc/main.js [--host 127.0.0.1] [--port 0] [--user root] [--password xpuflow-bmc]
 *     [--serial MT2242X00001] [--bfb-version V]
 *     [--flash-seconds 1] [--boot-seconds 0.5] [--ca-file PATH]
 * Prints one JSON line when listening: {"url","caFile","certSha256","pid"}; stops on SIGTERM/SIGINT.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBmcSim } from './server';

const HELP = `usage: node dist/sim/bmc/main.js [options]
  --host H            address to listen on (default 127.0.0.1)
  --port P            port (default 0: a free one)
  --user U            account name (default root)
  --password P        its password (default xpuflow-bmc)
  --serial S          the DPU's serial number
  --bfb-version V     the DPU OS version before any update
  --flash-seconds S   how long an rshim install task runs (default 1)
  --boot-seconds S    how long the DPU boots after an install or reset (default 0.5)
  --ca-file PATH      where to write the simulator's CA (default: a temporary file)
Prints one JSON line {"url","caFile","certSha256","pid"} once listening.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      serial: { type: 'string' },
      'bfb-version': { type: 'string' },
      'flash-seconds': { type: 'string' },
      'boot-seconds': { type: 'string' },
      'ca-file': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} ${JSON.stringify(v)}: want a number >= 0`);
    return n;
  };
  const sim = await startBmcSim({
    host: values.host,
    port: num('port', values.port),
    username: values.user,
    password: values.password,
    serial: values.serial,
    bfbVersion: values['bfb-version'],
    flashSeconds: num('flash-seconds', values['flash-seconds']),
    bootSeconds: num('boot-seconds', values['boot-seconds']),
  });
  const caFile =
    values['ca-file'] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bmc-')), 'ca.pem');
  fs.writeFileSync(caFile, sim.caPem);
  console.log(JSON.stringify({ url: sim.url, caFile, certSha256: sim.certSha256, pid: process.pid }));
  const stop = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: Error) => {
  console.error(`bmc simulator: ${err.message}`);
  process.exit(1);
});
