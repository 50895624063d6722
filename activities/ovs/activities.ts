/**
 * OVS activities of the DPU worker (queue xpuflow-dpu-<dpu>): make the DPU's
 * Open vSwitch hold the ports and flows the service-chain workflow asks for,
 * and read back what it holds. Idempotent: everything is read first, only
 * differences are applied, so a retry after a crash converges.
 *
 *   bridges  created when missing (datapath_type from the worker's option)
 *   ports    missing ones added (owned: external_ids xpuflow-owner=xpuflow);
 *            owned ones no longer wanted deleted; a port of the same name
 *            that is not ours is adopted on the wanted bridge, refused elsewhere
 *   flows    by cookie: flows with xpuflow's cookie mark that are not wanted
 *            are deleted (--strict, exact cookie); missing or changed ones added
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  OWNER_KEY,
  OWNER_VALUE,
  RESOURCE_KEY,
  type DesiredOvs,
  type ObservedFlow,
  type ObservedPort,
  type OvsState,
  type ReconcileOvsResult,
} from '../../model/ovs-state';
import { OvsCommands, parseVsctlJson, type OvsEndpoints } from './commands';
import { flowKey, parseFlows } from './flows';

export interface OvsActivitiesOptions extends OvsEndpoints {
  dpu: string;
  /** datapath_type of bridges this worker creates: netdev (userspace) or system (kernel; the default ''). */
  datapathType?: string;
  /** Where netdevs are listed, to tell a missing representor (default /sys/class/net). */
  sysClassNet?: string;
}

interface PortRow {
  name: string;
  bridge: string;
  ids: Record<string, string>;
}

export function createOvsActivities(opts: OvsActivitiesOptions) {
  const ovs = new OvsCommands(opts);
  const classNet = opts.sysClassNet ?? '/sys/class/net';
  const where = `on DPU ${opts.dpu} (ovsdb ${opts.db})`;

  const bridges = async () => (await ovs.vsctl(['list-br'])).split('\n').filter(Boolean);

  const portRows = async (brs: string[]): Promise<PortRow[]> => {
    const bridgeOf = new Map<string, string>();
    for (const br of brs)
      for (const p of (await ovs.vsctl(['list-ports', br])).split('\n').filter(Boolean)) bridgeOf.set(p, br);
    const rows = parseVsctlJson(
      await ovs.vsctl(['--format=json', '--columns=name,external_ids', 'list', 'port']),
    );
    return rows
      .filter((r) => bridgeOf.has(String(r.name)))
      .map((r) => ({
        name: String(r.name),
        bridge: bridgeOf.get(String(r.name))!,
        ids: (r.external_ids as Record<string, string> | undefined) ?? {},
      }));
  };

  const interfaceRows = async () =>
    new Map(
      parseVsctlJson(
        await ovs.vsctl(['--format=json', '--columns=name,type,ofport,error', 'list', 'interface']),
      ).map((r) => [String(r.name), r]),
    );

  const dumpFlows = async (bridge: string): Promise<ObservedFlow[]> =>
    parseFlows(bridge, await ovs.ofctl('dump-flows', bridge, [], ['--names', '--no-stats']));

  /** Owned ports (with their interface's type, ofport and error) and owned flows on every bridge. */
  async function readOvsState(): Promise<OvsState> {
    const brs = await bridges();
    const rows = await portRows(brs);
    const ifaces = await interfaceRows();
    const ports: ObservedPort[] = rows
      .filter((r) => r.ids[OWNER_KEY] === OWNER_VALUE)
      .map((r) => {
        const i = ifaces.get(r.name);
        const ofport = typeof i?.ofport === 'number' ? i.ofport : undefined;
        return {
          name: r.name,
          bridge: r.bridge,
          type: (i?.type as string | undefined) || 'system',
          owned: true,
          ...(r.ids[RESOURCE_KEY] ? { resource: r.ids[RESOURCE_KEY] } : {}),
          ...(ofport !== undefined ? { ofport } : {}),
          ...(typeof i?.error === 'string' ? { error: i.error } : {}),
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const flows: ObservedFlow[] = [];
    for (const br of brs) flows.push(...(await dumpFlows(br)).filter((f) => f.owned));
    return { ports, flows };
  }

  async function reconcileOvs(desired: DesiredOvs): Promise<ReconcileOvsResult> {
    const changes: string[] = [];
    const problems: string[] = [];

    // Bridges: only created, never deleted (others may use them).
    const have = new Set(await bridges());
    for (const br of desired.bridges) {
      if (have.has(br)) continue;
      await ovs.vsctl([
        '--may-exist',
        'add-br',
        br,
        ...(opts.datapathType ? ['--', 'set', 'bridge', br, `datapath_type=${opts.datapathType}`] : []),
      ]);
      have.add(br);
      changes.push(`created bridge ${br}`);
    }

    // Ports.
    const rows = await portRows([...have]);
    const byName = new Map(rows.map((r) => [r.name, r]));
    const wanted = new Map(desired.ports.map((p) => [p.name, p]));
    // One ovsdb transaction each for deletions and for additions and marks.
    const portDeletes: string[][] = [];
    for (const r of rows) {
      if (r.ids[OWNER_KEY] !== OWNER_VALUE) continue;
      const w = wanted.get(r.name);
      if (w && w.bridge === r.bridge) continue;
      portDeletes.push(['--if-exists', 'del-port', r.bridge, r.name]);
      byName.delete(r.name);
      changes.push(`deleted port ${r.name} from ${r.bridge}`);
    }
    await ovs.vsctlAll(portDeletes);
    const portWrites: string[][] = [];
    const unusable = new Set<string>();
    for (const p of desired.ports) {
      const ids = Object.entries(p.externalIds).map(([k, v]) => `external_ids:${k}=${v}`);
      const cur = byName.get(p.name);
      if (cur) {
        if (cur.bridge !== p.bridge) {
          problems.push(
            `port ${p.name} is on bridge ${cur.bridge} and is not xpuflow's ${where}: remove it there, or move the interface to bridge ${cur.bridge}`,
          );
          unusable.add(p.name);
        } else if (Object.entries(p.externalIds).some(([k, v]) => cur.ids[k] !== v)) {
          portWrites.push(['set', 'port', p.name, ...ids]);
          changes.push(`marked port ${p.name} on ${p.bridge} as xpuflow's`);
        }
        continue;
      }
      if (p.type === 'system' && !fs.existsSync(path.join(classNet, p.name))) {
        problems.push(
          `netdev ${p.name} does not exist ${where}: is the representor there (VF/PF created on the host)?`,
        );
        unusable.add(p.name);
        continue;
      }
      portWrites.push(['--may-exist', 'add-port', p.bridge, p.name]);
      if (p.type === 'internal') portWrites.push(['set', 'interface', p.name, 'type=internal']);
      portWrites.push(['set', 'port', p.name, ...ids]);
      changes.push(`added ${p.type} port ${p.name} to ${p.bridge}`);
    }
    await ovs.vsctlAll(portWrites);

    // Flows: on every bridge that has owned flows or wants some.
    const want = new Map(desired.flows.map((f) => [flowKey(f), f]));
    const flowBridges = new Set([...desired.flows.map((f) => f.bridge), ...have]);
    for (const br of flowBridges) {
      if (!have.has(br)) continue;
      const stale: string[] = [];
      for (const f of await dumpFlows(br)) {
        if (!f.owned) continue;
        const w = want.get(flowKey(f));
        if (w && w.actions === f.actions) {
          want.delete(flowKey(f));
          continue;
        }
        if (w) continue; // same match, other actions: add-flow below replaces it
        stale.push(`cookie=${f.cookie}/-1,priority=${f.priority},${f.match}`);
        changes.push(`deleted flow ${f.cookie} priority=${f.priority},${f.match} from ${br}`);
      }
      // One OpenFlow connection per bridge for all its deletions (strict: exactly these flows).
      if (stale.length) await ovs.ofctl('del-flows', br, ['-'], ['--strict'], `${stale.join('\n')}\n`);
    }
    const additions = new Map<string, string[]>();
    for (const f of want.values()) {
      const ports = [f.match, f.actions].join(',').match(/(?:in_port=|output:)([^,]+)/g) ?? [];
      const missing = ports.map((m) => m.replace(/^(in_port=|output:)/, '')).filter((n) => unusable.has(n));
      if (missing.length > 0) {
        problems.push(`flow ${f.match} of ${f.chain} skipped: port ${missing.join(', ')} is not usable`);
        continue;
      }
      const lines = additions.get(f.bridge) ?? [];
      lines.push(`cookie=${f.cookie},priority=${f.priority},${f.match},actions=${f.actions}`);
      additions.set(f.bridge, lines);
      changes.push(
        `added flow ${f.cookie} priority=${f.priority},${f.match} actions=${f.actions} to ${f.bridge}`,
      );
    }
    for (const [br, lines] of additions) await ovs.ofctl('add-flows', br, ['-'], [], `${lines.join('\n')}\n`);

    return { changes, problems, state: await readOvsState() };
  }

  return { reconcileOvs, readOvsState };
}

export type OvsActivities = ReturnType<typeof createOvsActivities>;
