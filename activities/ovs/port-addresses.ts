/**
 * Reconcile step 2b: the address a DPUServiceIPAM gave a service interface
 * goes on its internal port's netdev, the device Open vSwitch makes for an
 * internal port and that the DPU's own stack sends and receives through
 * (openvswitch/ovs vswitchd/vswitch.xml @v3.1.0, ovs-vswitchd.conf.db(5), Interface type `internal`:
 * "a simulated network device that sends and receives traffic"). The
 * address recorded in the port's external_ids before this reconcile is the
 * one xpuflow put there: it is removed when the interface's address changes
 * or goes; no other address of the device is touched. A netdev OVS has not
 * made yet is left to the next reconcile. Representor ports (system) never
 * get one: the address belongs to the function behind them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ADDRESS_KEY, type DesiredOvs } from '../../model/ovs-state';
import { findLink, ip } from '../netdev/ip';
import type { OvsSession, PortRow } from './session';

export async function reconcilePortAddresses(
  s: OvsSession,
  before: Map<string, PortRow>,
  desired: DesiredOvs,
  out: { changes: string[]; unusable: ReadonlySet<string> },
): Promise<void> {
  for (const p of desired.ports) {
    if (p.type !== 'internal' || out.unusable.has(p.name)) continue;
    const want = p.externalIds[ADDRESS_KEY];
    const had = before.get(p.name)?.ids[ADDRESS_KEY];
    if (!want && !had) continue;
    if (!fs.existsSync(path.join(s.classNet, p.name))) continue;
    const link = await findLink(p.name);
    if (!link) continue;
    if (had && had !== want && link.addresses.includes(had)) {
      await ip(['addr', 'del', had, 'dev', p.name]);
      out.changes.push(`removed address ${had} from ${p.name}`);
    }
    if (want && !link.addresses.includes(want)) {
      await ip(['addr', 'replace', want, 'dev', p.name]);
      out.changes.push(`set address ${want} on ${p.name}`);
    }
    if (want && !link.up) await ip(['link', 'set', p.name, 'up']);
  }
}
