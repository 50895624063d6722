/**
 * Reconcile step 2: ports. Owned ones no longer wanted (or on another bridge)
 * are deleted; missing ones added and marked xpuflow's; a port of the same
 * name that is not ours is adopted on the wanted bridge, refused elsewhere.
 * The address a DPUServiceIPAM gave the port's interface is kept in its
 * external_ids (ADDRESS_KEY, GATEWAY_KEY), set, changed and removed with it,
 * and configured on an internal port's netdev (port-addresses.ts).
 * One ovsdb transaction each for deletions and for additions and marks.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ADDRESS_KEY,
  ADDRESS_KEYS,
  OWNER_KEY,
  OWNER_VALUE,
  type DesiredOvs,
  type DesiredPort,
} from '../../model/ovs-state';
import type { OvsSession, PortRow } from './session';
import { reconcilePortAddresses } from './port-addresses';

export interface PortOutcome {
  changes: string[];
  problems: string[];
  /** Wanted ports that cannot be used: flows through them are skipped. */
  unusable: Set<string>;
}

/** Deletes owned ports not wanted where they are; returns the ports that remain, by name. */
async function deleteUnwantedPorts(
  { ovs }: OvsSession,
  rows: PortRow[],
  desired: DesiredOvs,
  out: PortOutcome,
): Promise<Map<string, PortRow>> {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const wanted = new Map(desired.ports.map((p) => [p.name, p]));
  const portDeletes: string[][] = [];
  for (const r of rows) {
    if (r.ids[OWNER_KEY] !== OWNER_VALUE) continue;
    const w = wanted.get(r.name);
    if (w && w.bridge === r.bridge) continue;
    portDeletes.push(['--if-exists', 'del-port', r.bridge, r.name]);
    byName.delete(r.name);
    out.changes.push(`deleted port ${r.name} from ${r.bridge}`);
  }
  await ovs.vsctlAll(portDeletes);
  return byName;
}

/** The ovs-vsctl commands that make `p` xpuflow's port on its bridge (none when it already is). */
function portWrites(s: OvsSession, p: DesiredPort, cur: PortRow | undefined, out: PortOutcome): string[][] {
  // Values quoted as ovsdb strings: an IPv6 address has colons (ovs-vsctl(8), "Database Values").
  const ids = Object.entries(p.externalIds).map(([k, v]) => `external_ids:${k}=${JSON.stringify(v)}`);
  if (cur) {
    if (cur.bridge !== p.bridge) {
      out.problems.push(
        `port ${p.name} is on bridge ${cur.bridge} and is not xpuflow's ${s.where}: remove it there, or move the interface to bridge ${cur.bridge}`,
      );
      out.unusable.add(p.name);
      return [];
    }
    // An address its interface no longer has (released, or the IPAM named no more) goes from the record.
    const stale = ADDRESS_KEYS.filter((k) => cur.ids[k] !== undefined && p.externalIds[k] === undefined);
    const differ = Object.entries(p.externalIds).some(([k, v]) => cur.ids[k] !== v);
    if (!differ && stale.length === 0) return [];
    const wasOurs = cur.ids[OWNER_KEY] === OWNER_VALUE;
    out.changes.push(
      wasOurs
        ? `set the address of port ${p.name} on ${p.bridge} to ${p.externalIds[ADDRESS_KEY] ?? 'none'}`
        : `marked port ${p.name} on ${p.bridge} as xpuflow's`,
    );
    return [
      ['set', 'port', p.name, ...ids],
      ...(stale.length > 0 ? [['remove', 'port', p.name, 'external_ids', ...stale]] : []),
    ];
  }
  if (p.type === 'system' && !fs.existsSync(path.join(s.classNet, p.name))) {
    out.problems.push(
      `netdev ${p.name} does not exist ${s.where}: is the representor there (VF/PF created on the host)?`,
    );
    out.unusable.add(p.name);
    return [];
  }
  out.changes.push(`added ${p.type} port ${p.name} to ${p.bridge}`);
  return [
    ['--may-exist', 'add-port', p.bridge, p.name],
    ...(p.type === 'internal' ? [['set', 'interface', p.name, 'type=internal']] : []),
    ['set', 'port', p.name, ...ids],
  ];
}

/** Puts the wanted ports on the bridges in `have`. */
export async function reconcilePorts(
  s: OvsSession,
  have: Set<string>,
  desired: DesiredOvs,
  out: PortOutcome,
): Promise<void> {
  const byName = await deleteUnwantedPorts(s, await s.portRows([...have]), desired, out);
  const writes: string[][] = [];
  for (const p of desired.ports) writes.push(...portWrites(s, p, byName.get(p.name), out));
  await s.ovs.vsctlAll(writes);
  await reconcilePortAddresses(s, byName, desired, out);
}
