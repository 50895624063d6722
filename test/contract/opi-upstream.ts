/**
 * Upstream facts of OPI's EVPN gateway API for the declarations xpuflow's
 * subset (proto/opi/bridge_port.proto) uses. opi-api is not served by a
 * registry reachable here (no Go module proxy path serves its .proto files),
 * so they are held as a table, read from opi-api's public source:
 *
 *   repository  github.com/opiproject/opi-api
 *   path        network/evpn-gw/l2_xpu_infra_mgr.proto
 *   commit      77a8b3e5b3450ff1f0950efb7379db031ad5e6b4
 *               (d1b2770a8024c89efa1c6367d064576d3dd1a2b0 has the same declarations)
 *
 * Messages list all their upstream fields (so a number reused under another
 * name is caught); types from other files (Component, IPPrefix, FieldMask)
 * are named but their fields are not recorded, as xpuflow declares none of
 * them. Services list only the RPCs xpuflow calls (List/Update are left out).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as protobuf from 'protobufjs';

export const OPI_UPSTREAM_SOURCE = {
  repository: 'github.com/opiproject/opi-api',
  path: 'network/evpn-gw/l2_xpu_infra_mgr.proto',
  commit: '77a8b3e5b3450ff1f0950efb7379db031ad5e6b4',
} as const;

/** [name, number, type, label?]; label is 'repeated' or 'optional' (proto3 optional). */
type FieldRow = [string, number, string, ('repeated' | 'optional')?];

const MESSAGES: Record<string, FieldRow[]> = {
  LogicalBridge: [
    ['name', 1, 'string'],
    ['spec', 2, 'LogicalBridgeSpec'],
    ['status', 3, 'LogicalBridgeStatus'],
  ],
  LogicalBridgeSpec: [
    ['vlan_id', 1, 'uint32'],
    ['vni', 2, 'uint32', 'optional'],
    ['vtep_ip_prefix', 3, '.network.opinetcommon.v1alpha1.IPPrefix'],
  ],
  LogicalBridgeStatus: [
    ['oper_status', 1, 'LBOperStatus'],
    ['components', 2, 'Component', 'repeated'],
  ],
  CreateLogicalBridgeRequest: [
    ['logical_bridge_id', 1, 'string'],
    ['logical_bridge', 2, 'LogicalBridge'],
  ],
  GetLogicalBridgeRequest: [['name', 1, 'string']],
  DeleteLogicalBridgeRequest: [
    ['name', 1, 'string'],
    ['allow_missing', 2, 'bool'],
  ],
  BridgePort: [
    ['name', 1, 'string'],
    ['spec', 2, 'BridgePortSpec'],
    ['status', 3, 'BridgePortStatus'],
  ],
  BridgePortSpec: [
    ['mac_address', 1, 'bytes'],
    ['ptype', 2, 'BridgePortType'],
    ['logical_bridges', 3, 'string', 'repeated'],
  ],
  BridgePortStatus: [
    ['oper_status', 1, 'BPOperStatus'],
    ['components', 2, 'Component', 'repeated'],
  ],
  CreateBridgePortRequest: [
    ['bridge_port_id', 1, 'string'],
    ['bridge_port', 2, 'BridgePort'],
  ],
  GetBridgePortRequest: [['name', 1, 'string']],
  DeleteBridgePortRequest: [
    ['name', 1, 'string'],
    ['allow_missing', 2, 'bool'],
  ],
  // network/evpn-gw/component.proto: fields not recorded.
  Component: [],
};

const ENUMS: Record<string, Record<string, number>> = {
  LBOperStatus: {
    LB_OPER_STATUS_UNSPECIFIED: 0,
    LB_OPER_STATUS_UP: 1,
    LB_OPER_STATUS_DOWN: 2,
    LB_OPER_STATUS_TO_BE_DELETED: 3,
  },
  BPOperStatus: {
    BP_OPER_STATUS_UNSPECIFIED: 0,
    BP_OPER_STATUS_UP: 1,
    BP_OPER_STATUS_DOWN: 2,
    BP_OPER_STATUS_TO_BE_DELETED: 3,
  },
  BridgePortType: {
    BRIDGE_PORT_TYPE_UNSPECIFIED: 0,
    BRIDGE_PORT_TYPE_ACCESS: 1,
    BRIDGE_PORT_TYPE_TRUNK: 2,
  },
};

/** rpc name -> [request, response] (all unary). */
const SERVICES: Record<string, Record<string, [string, string]>> = {
  LogicalBridgeService: {
    CreateLogicalBridge: ['CreateLogicalBridgeRequest', 'LogicalBridge'],
    GetLogicalBridge: ['GetLogicalBridgeRequest', 'LogicalBridge'],
    DeleteLogicalBridge: ['DeleteLogicalBridgeRequest', '.google.protobuf.Empty'],
  },
  BridgePortService: {
    CreateBridgePort: ['CreateBridgePortRequest', 'BridgePort'],
    GetBridgePort: ['GetBridgePortRequest', 'BridgePort'],
    DeleteBridgePort: ['DeleteBridgePortRequest', '.google.protobuf.Empty'],
  },
};

/** The table as a resolved protobufjs Root, for compareRoots. */
export function opiUpstreamRoot(): protobuf.Root {
  const nested: Record<string, protobuf.AnyNestedObject> = {};
  for (const [name, rows] of Object.entries(MESSAGES)) {
    const fields: Record<string, protobuf.IField & { rule?: string }> = {};
    const oneofs: Record<string, protobuf.IOneOf> = {};
    for (const [field, id, type, label] of rows) {
      fields[field] = { id, type, ...(label === 'repeated' ? { rule: 'repeated' } : {}) };
      if (label === 'optional') {
        fields[field].options = { proto3_optional: true };
        oneofs[`_${field}`] = { oneof: [field] };
      }
    }
    nested[name] = { fields, ...(Object.keys(oneofs).length ? { oneofs } : {}) };
  }
  for (const [name, values] of Object.entries(ENUMS)) nested[name] = { values };
  for (const [name, rpcs] of Object.entries(SERVICES)) {
    nested[name] = {
      methods: Object.fromEntries(
        Object.entries(rpcs).map(([rpc, [requestType, responseType]]) => [
          rpc,
          { requestType, responseType },
        ]),
      ),
    };
  }
  const root = protobuf.Root.fromJSON({
    nested: {
      opi_api: { nested: { network: { nested: { evpn_gw: { nested: { v1alpha1: { nested } } } } } } },
      network: {
        nested: { opinetcommon: { nested: { v1alpha1: { nested: { IPPrefix: { fields: {} } } } } } },
      },
      google: { nested: { protobuf: { nested: { Empty: { fields: {} } } } } },
    },
  });
  root.resolveAll();
  return root;
}

/**
 * Writes the table as .proto sources under `dir` (for grpcurl -import-path/-proto):
 * `opi-upstream/l2_xpu_infra_mgr.proto` (the evpn-gw declarations, without
 * upstream's google.api options) and the one message it needs from
 * opinetcommon, with no fields recorded. Returns the main file, relative to `dir`.
 */
export function writeOpiUpstreamProto(dir: string): string {
  const lines = ['syntax = "proto3";', '', 'package opi_api.network.evpn_gw.v1alpha1;', ''];
  lines.push('import "google/protobuf/empty.proto";', 'import "opi-upstream/networktypes.proto";', '');
  for (const [name, rows] of Object.entries(MESSAGES)) {
    lines.push(`message ${name} {`);
    for (const [field, id, type, label] of rows)
      lines.push(`  ${label ? `${label} ` : ''}${type} ${field} = ${id};`);
    lines.push('}', '');
  }
  for (const [name, values] of Object.entries(ENUMS)) {
    lines.push(`enum ${name} {`, ...Object.entries(values).map(([v, n]) => `  ${v} = ${n};`), '}', '');
  }
  for (const [name, rpcs] of Object.entries(SERVICES)) {
    lines.push(`service ${name} {`);
    for (const [rpc, [req, res]] of Object.entries(rpcs))
      lines.push(`  rpc ${rpc}(${req}) returns (${res});`);
    lines.push('}', '');
  }
  fs.mkdirSync(path.join(dir, 'opi-upstream'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'opi-upstream/l2_xpu_infra_mgr.proto'), lines.join('\n'));
  fs.writeFileSync(
    path.join(dir, 'opi-upstream/networktypes.proto'),
    'syntax = "proto3";\n\npackage network.opinetcommon.v1alpha1;\n\nmessage IPPrefix {}\n',
  );
  return 'opi-upstream/l2_xpu_infra_mgr.proto';
}
