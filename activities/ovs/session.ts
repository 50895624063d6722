/**
 * What the OVS activities share: the worker's options, the ovs-vsctl and
 * ovs-ofctl commands, and the reads every step starts from (bridges, ports
 * with their external_ids, interfaces, a bridge's flows).
 */
import type { ObservedFlow } from '../../model/ovs-state';
import { OvsCommands, parseVsctlJson, type OvsEndpoints } from './commands';
import { parseFlows } from './flows';

export interface OvsActivitiesOptions extends OvsEndpoints {
  dpu: string;
  /** datapath_type of bridges this worker creates: netdev (userspace) or system (kernel; the default ''). */
  datapathType?: string;
  /** Where netdevs are listed, to tell a missing representor (default /sys/class/net). */
  sysClassNet?: string;
}

export interface PortRow {
  name: string;
  bridge: string;
  ids: Record<string, string>;
}

export type OvsSession = ReturnType<typeof ovsSession>;

export function ovsSession(opts: OvsActivitiesOptions) {
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

  return { ovs, opts, classNet, where, bridges, portRows, interfaceRows, dumpFlows };
}
