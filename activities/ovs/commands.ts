/**
 * ovs-vsctl and ovs-ofctl as the DPU worker runs them: argument arrays
 * (execa), ovsdb through --db, OpenFlow through the bridge's management
 * socket <rundir>/<bridge>.mgmt of ovs-vswitchd.
 */
import execa from 'execa';
import path from 'node:path';

export interface OvsEndpoints {
  /** ovsdb remote, e.g. unix:/var/run/openvswitch/db.sock */
  db: string;
  /** Where ovs-vswitchd keeps <bridge>.mgmt (default: the directory of a unix: db socket). */
  rundir?: string;
}

export const DEFAULT_OVS_DB = 'unix:/var/run/openvswitch/db.sock';

/** The rundir of ovs-vswitchd: given, else the db socket's directory, else /var/run/openvswitch. */
export function ovsRundir(ep: OvsEndpoints): string {
  if (ep.rundir) return ep.rundir;
  if (ep.db.startsWith('unix:')) return path.dirname(ep.db.slice('unix:'.length));
  return '/var/run/openvswitch';
}

export class OvsCommands {
  constructor(private readonly ep: OvsEndpoints) {}

  async vsctl(args: string[]): Promise<string> {
    try {
      return (await execa('ovs-vsctl', [`--db=${this.ep.db}`, '--timeout=10', ...args])).stdout;
    } catch (err) {
      throw new Error(`ovs-vsctl ${brief(args.join(' '))} (db ${this.ep.db}): ${briefError(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * Several ovs-vsctl commands (each an argument array, options first) in one
   * transaction: one database round trip however many ports, where one call
   * per port rereads the whole database each time.
   */
  async vsctlAll(commands: string[][]): Promise<void> {
    if (commands.length === 0) return;
    await this.vsctl(commands.flatMap((c) => ['--', ...c]));
  }

  /** ovs-ofctl <command> <bridge's mgmt socket> [args]; `input` is given on stdin (for `-`). */
  async ofctl(
    command: string,
    bridge: string,
    args: string[] = [],
    options: string[] = [],
    input?: string,
  ): Promise<string> {
    const target = `unix:${path.join(ovsRundir(this.ep), `${bridge}.mgmt`)}`;
    try {
      return (
        await execa('ovs-ofctl', ['--timeout=10', ...options, command, target, ...args], {
          ...(input !== undefined ? { input } : {}),
        })
      ).stdout;
    } catch (err) {
      const what = input !== undefined ? `${input.split('\n').length} lines on stdin` : args.join(' ');
      throw new Error(`ovs-ofctl ${command} ${bridge} ${brief(what)} (${target}): ${briefError(err)}`, {
        cause: err,
      });
    }
  }
}

const brief = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

function briefError(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).split('\n').slice(-3).join(' ');
}

/** Rows of `ovs-vsctl --format=json` output, with sets and maps turned into arrays and objects. */
export function parseVsctlJson(json: string): Array<Record<string, unknown>> {
  const table = JSON.parse(json) as { headings: string[]; data: unknown[][] };
  return table.data.map((row) =>
    Object.fromEntries(row.map((cell, i) => [table.headings[i], fromOvsdb(cell)])),
  );
}

function fromOvsdb(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const [tag, body] = v as [string, unknown];
  if (tag === 'map') return Object.fromEntries(body as Array<[string, unknown]>);
  if (tag === 'set') {
    const items = (body as unknown[]).map(fromOvsdb);
    return items.length === 0 ? undefined : items.length === 1 ? items[0] : items;
  }
  if (tag === 'uuid') return body;
  return v;
}
