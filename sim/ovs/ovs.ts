/**
 * A private Open vSwitch: ovsdb-server and ovs-vswitchd from Debian's
 * openvswitch-switch, with their own rundir/dbdir/logdir under `dir`, pidfiles
 * and unixctl sockets there, and bridges on the userspace datapath
 * (datapath_type=netdev: no kernel module needed). Nothing of the system's
 * own OVS service is touched.
 */
import execa from 'execa';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface PrivateOvs {
  dir: string;
  /** unix:<dir>/db.sock */
  db: string;
  vsctl(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const SCHEMA_CANDIDATES = [
  '/usr/share/openvswitch/vswitch.ovsschema',
  '/usr/local/share/openvswitch/vswitch.ovsschema',
];

/** Why OVS cannot run here, or undefined when it can (binaries, schema, root). */
export function ovsUnavailable(): string | undefined {
  for (const bin of ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovsdb-tool', 'ovs-appctl']) {
    const found = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'].some((d) =>
      fs.existsSync(path.join(d, bin)),
    );
    if (!found) return `${bin} is not installed (apt-get install openvswitch-switch)`;
  }
  if (!SCHEMA_CANDIDATES.some((s) => fs.existsSync(s))) return 'vswitch.ovsschema not found';
  if (process.getuid?.() !== 0) return 'Open vSwitch needs root';
  return undefined;
}

async function waitFor(file: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`OVS: ${file} did not appear within ${ms} ms`);
    await delay(20);
  }
}

function readPid(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

export async function startPrivateOvs(dir: string): Promise<PrivateOvs> {
  const why = ovsUnavailable();
  if (why) throw new Error(`cannot start Open vSwitch: ${why}`);
  fs.mkdirSync(dir, { recursive: true });
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir };
  const dbFile = path.join(dir, 'conf.db');
  const sock = path.join(dir, 'db.sock');
  const schema = SCHEMA_CANDIDATES.find((s) => fs.existsSync(s)) as string;
  if (!fs.existsSync(dbFile)) await execa('ovsdb-tool', ['create', dbFile, schema], { env });
  await execa(
    'ovsdb-server',
    [
      dbFile,
      `--remote=punix:${sock}`,
      `--pidfile=${path.join(dir, 'ovsdb-server.pid')}`,
      `--unixctl=${path.join(dir, 'ovsdb-server.ctl')}`,
      `--log-file=${path.join(dir, 'ovsdb-server.log')}`,
      '--detach',
    ],
    { env },
  );
  await waitFor(sock, 10_000);
  const db = `unix:${sock}`;
  const vsctl = async (args: string[]) =>
    (await execa('ovs-vsctl', [`--db=${db}`, '--timeout=10', ...args], { env })).stdout;
  await vsctl(['--no-wait', 'init']);
  await execa(
    'ovs-vswitchd',
    [
      db,
      `--pidfile=${path.join(dir, 'ovs-vswitchd.pid')}`,
      `--unixctl=${path.join(dir, 'ovs-vswitchd.ctl')}`,
      `--log-file=${path.join(dir, 'ovs-vswitchd.log')}`,
      '--detach',
    ],
    { env },
  );
  await waitFor(path.join(dir, 'ovs-vswitchd.ctl'), 10_000);
  return {
    dir,
    db,
    vsctl,
    async stop() {
      for (const name of ['ovs-vswitchd', 'ovsdb-server']) {
        const pid = readPid(path.join(dir, `${name}.pid`));
        const args = name === 'ovs-vswitchd' ? ['exit', '--cleanup'] : ['exit'];
        await execa('ovs-appctl', ['-t', path.join(dir, `${name}.ctl`), ...args], { env, reject: false });
        if (pid) {
          const deadline = Date.now() + 5000;
          while (Date.now() < deadline) {
            try {
              process.kill(pid, 0);
            } catch {
              break;
            }
            await delay(20);
          }
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    },
  };
}
