/**
 * An OPI BridgePort/LogicalBridge server (proto/opi) backed by a real Open
 * vSwitch: a logical bridge is a VLAN on one OVS bridge (datapath_type=netdev),
 * a bridge port is an OVS port on it tagged with its logical bridge's VLAN.
 * OVS is the only state: Get reads the port back from ovsdb.
 */
import * as crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  opiEvpnApi,
  type BridgePortServiceHandlers,
  type LogicalBridgeServiceHandlers,
} from '../../proto/load-vf';
import { serviceError } from '../../proto/service-error';
import type { PrivateOvs } from '../ovs';

// As opiproject/opi-evpn-bridge names them (pkg/port/port.go @667e0a77, resourceIDToFullName).
const BP_PREFIX = '//network.opiproject.org/ports/';
const LB_PREFIX = '//network.opiproject.org/bridges/';
const ID = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

export interface OpiSimOptions {
  ovs: PrivateOvs;
  /** The OVS bridge ports go on (created when missing). Unique per test run: its tap shows on the host. */
  bridge: string;
  /** Short prefix of OVS port names (they become host tap devices, at most 15 characters). */
  portPrefix: string;
}

export interface OpiSim {
  address: string;
  /** Ports on the bridge with their tag and external ids, read from OVS. */
  ports(): Promise<Array<{ name: string; tag?: number; bridgePort?: string; mac?: string }>>;
  calls: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * A unary handler that counts the call and runs `body`; an error of `body`
 * (ovs-vsctl failed) answers INTERNAL.
 */
function overOvs<Req, Res>(
  count: (method: string) => void,
  method: string,
  body: (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => Promise<void>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    count(method);
    body(call, cb).catch((err: Error) => cb(serviceError(grpc.status.INTERNAL, `ovs: ${err.message}`)));
  };
}

function macString(mac: Buffer): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

interface OvsRow {
  name: string;
  tag?: number;
  ids: Record<string, string>;
}

/** Parses `ovs-vsctl --format=json` output of name,tag,external_ids. */
function parseRows(json: string): OvsRow[] {
  const table = JSON.parse(json) as { data: unknown[][] };
  return table.data.map(([name, tag, ids]) => {
    const idPairs = (ids as [string, Array<[string, string]>])[1];
    return {
      name: name as string,
      tag: typeof tag === 'number' ? tag : undefined,
      ids: Object.fromEntries(idPairs),
    };
  });
}

export async function startOpiSim(opts: OpiSimOptions): Promise<OpiSim> {
  const { ovs, bridge } = opts;
  await ovs.vsctl(['--may-exist', 'add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev']);
  const calls: Record<string, number> = {};
  const count = (m: string) => (calls[m] = (calls[m] ?? 0) + 1);

  const portName = (id: string) =>
    `${opts.portPrefix}${crypto.createHash('sha1').update(id).digest('hex')}`.slice(0, 15);
  const findPort = async (id: string): Promise<OvsRow | undefined> => {
    const out = await ovs.vsctl([
      '--format=json',
      '--columns=name,tag,external_ids',
      'find',
      'port',
      `external_ids:opi-bridge-port=${id}`,
    ]);
    return parseRows(out)[0];
  };
  const lbKey = (id: string) => `opi-lb-${id}`;
  // Stored as "<vlan>/<vni>", the VNI empty when unset: vni is proto3 optional upstream
  // (opi-api network/evpn-gw/l2_xpu_infra_mgr.proto @77a8b3e5, LogicalBridgeSpec), so an
  // unset one is answered unset, not as 0.
  const getLb = async (id: string): Promise<{ vlan: number; vni?: number } | undefined> => {
    const out = await ovs.vsctl(['br-get-external-id', bridge, lbKey(id)]);
    if (!out.trim()) return undefined;
    const [vlan, vni] = out.trim().split('/');
    return { vlan: Number(vlan), ...(vni ? { vni: Number(vni) } : {}) };
  };
  const lbSpec = (lb: { vlan: number; vni?: number }) => ({
    vlanId: lb.vlan,
    ...(lb.vni === undefined ? {} : { vni: lb.vni }),
  });
  const idOf = (name: string, prefix: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const toBridgePort = (row: OvsRow) => ({
    name: BP_PREFIX + row.ids['opi-bridge-port'],
    spec: {
      macAddress: Buffer.from(row.ids['opi-mac'].split(':').map((h) => parseInt(h, 16))),
      ptype: 'BRIDGE_PORT_TYPE_ACCESS' as const,
      logicalBridges: row.ids['opi-lbs'] ? row.ids['opi-lbs'].split(',') : [],
    },
    status: { operStatus: 'BP_OPER_STATUS_UP' as const },
  });

  const bridgePorts: BridgePortServiceHandlers = {
    CreateBridgePort: overOvs(count, 'CreateBridgePort', async (call, cb) => {
      const id = call.request.bridgePortId;
      const spec = call.request.bridgePort?.spec;
      if (!ID.test(id))
        return cb(
          serviceError(
            grpc.status.INVALID_ARGUMENT,
            `bridge_port_id ${JSON.stringify(id)} is not a lowercase name`,
          ),
        );
      if (!spec || spec.macAddress.length !== 6)
        return cb(serviceError(grpc.status.INVALID_ARGUMENT, 'spec.mac_address must be 6 bytes'));
      if (spec.ptype !== 'BRIDGE_PORT_TYPE_ACCESS' || spec.logicalBridges.length !== 1) {
        return cb(
          serviceError(
            grpc.status.INVALID_ARGUMENT,
            'only ACCESS ports on exactly one logical bridge are supported',
          ),
        );
      }
      const lbName = spec.logicalBridges[0];
      const lb = await getLb(idOf(lbName, LB_PREFIX));
      if (!lb) return cb(serviceError(grpc.status.NOT_FOUND, `logical bridge ${lbName} does not exist`));
      const mac = macString(spec.macAddress);
      const existing = await findPort(id);
      if (existing) {
        if (existing.ids['opi-mac'] === mac && existing.ids['opi-lbs'] === lbName)
          return cb(null, toBridgePort(existing));
        return cb(
          serviceError(
            grpc.status.ALREADY_EXISTS,
            `bridge port ${id} exists with MAC ${existing.ids['opi-mac']} on ${existing.ids['opi-lbs']}`,
          ),
        );
      }
      const port = portName(id);
      await ovs.vsctl([
        '--may-exist',
        'add-port',
        bridge,
        port,
        `tag=${lb.vlan}`,
        '--',
        'set',
        'interface',
        port,
        'type=internal',
        `mac="${mac}"`,
        '--',
        'set',
        'port',
        port,
        `external_ids:opi-bridge-port=${id}`,
        `external_ids:opi-mac=${mac}`,
        `external_ids:opi-lbs=${lbName}`,
      ]);
      cb(
        null,
        toBridgePort({
          name: port,
          tag: lb.vlan,
          ids: { 'opi-bridge-port': id, 'opi-mac': mac, 'opi-lbs': lbName },
        }),
      );
    }),
    DeleteBridgePort: overOvs(count, 'DeleteBridgePort', async (call, cb) => {
      const id = idOf(call.request.name, BP_PREFIX);
      const row = await findPort(id);
      if (!row) {
        if (call.request.allowMissing) return cb(null, {});
        return cb(serviceError(grpc.status.NOT_FOUND, `bridge port ${call.request.name} does not exist`));
      }
      await ovs.vsctl(['--if-exists', 'del-port', bridge, row.name]);
      cb(null, {});
    }),
    GetBridgePort: overOvs(count, 'GetBridgePort', async (call, cb) => {
      const row = await findPort(idOf(call.request.name, BP_PREFIX));
      if (!row)
        return cb(serviceError(grpc.status.NOT_FOUND, `bridge port ${call.request.name} does not exist`));
      cb(null, toBridgePort(row));
    }),
  };

  const logicalBridges: LogicalBridgeServiceHandlers = {
    CreateLogicalBridge: overOvs(count, 'CreateLogicalBridge', async (call, cb) => {
      const id = call.request.logicalBridgeId;
      const vlan = call.request.logicalBridge?.spec?.vlanId ?? 0;
      const vni = call.request.logicalBridge?.spec?.vni;
      if (!ID.test(id))
        return cb(
          serviceError(
            grpc.status.INVALID_ARGUMENT,
            `logical_bridge_id ${JSON.stringify(id)} is not a lowercase name`,
          ),
        );
      if (vlan < 1 || vlan > 4094)
        return cb(serviceError(grpc.status.INVALID_ARGUMENT, `vlan_id ${vlan} is not 1-4094`));
      const have = await getLb(id);
      if (have && have.vlan !== vlan)
        return cb(serviceError(grpc.status.ALREADY_EXISTS, `logical bridge ${id} has VLAN ${have.vlan}`));
      if (!have) await ovs.vsctl(['br-set-external-id', bridge, lbKey(id), `${vlan}/${vni ?? ''}`]);
      cb(null, { name: LB_PREFIX + id, spec: lbSpec(have ?? { vlan, vni }) });
    }),
    GetLogicalBridge: overOvs(count, 'GetLogicalBridge', async (call, cb) => {
      const id = idOf(call.request.name, LB_PREFIX);
      const lb = await getLb(id);
      if (!lb)
        return cb(serviceError(grpc.status.NOT_FOUND, `logical bridge ${call.request.name} does not exist`));
      cb(null, { name: LB_PREFIX + id, spec: lbSpec(lb) });
    }),
    DeleteLogicalBridge: overOvs(count, 'DeleteLogicalBridge', async (call, cb) => {
      const id = idOf(call.request.name, LB_PREFIX);
      await ovs.vsctl(['br-set-external-id', bridge, lbKey(id)]);
      cb(null, {});
    }),
  };

  const api = opiEvpnApi();
  const server = new grpc.Server();
  server.addService(api.BridgePortService.service, bridgePorts);
  server.addService(api.LogicalBridgeService.service, logicalBridges);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls,
    async ports() {
      const names = (await ovs.vsctl(['list-ports', bridge])).split('\n').filter(Boolean);
      const out = [];
      for (const name of names) {
        const [row] = parseRows(
          await ovs.vsctl([
            '--format=json',
            '--columns=name,tag,external_ids',
            'find',
            'port',
            `name=${name}`,
          ]),
        );
        out.push({ name, tag: row?.tag, bridgePort: row?.ids['opi-bridge-port'], mac: row?.ids['opi-mac'] });
      }
      return out;
    },
    async stop() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      // --if-exists covers a bridge already gone; any other failure (ovsdb not answering) is said.
      await ovs
        .vsctl(['--if-exists', 'del-br', bridge])
        .catch((err: unknown) =>
          console.warn(`OPI sim: removing bridge ${bridge} failed: ${(err as Error).message}`),
        );
    },
  };
}
