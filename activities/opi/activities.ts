/**
 * OPI activities, run by the DPU worker of one DPU on queue xpuflow-dpu-<dpu>:
 * the xPU side of a VF lease. Each checks before it acts, so a retry after a
 * crash converges: ensure = get, create when missing; delete allows missing.
 */
import * as grpc from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import { answerType, checkAnswer } from '../../proto/checked-decode';
import {
  opiEvpnApi,
  type BridgePortServiceClient,
  type BridgePort__Output,
  type LogicalBridgeServiceClient,
} from '../../proto/load-vf';
import { isCode, OpiFailureType, opiFailure } from './failures';

const PACKAGE = 'opi_api.network.evpn_gw.v1alpha1';
/** What xpuflow reads of a BridgePort answer (BridgePort.spec is REQUIRED upstream, name IDENTIFIER). */
const BRIDGE_PORT_NEEDS = ['name', 'spec', 'spec.macAddress'] as const;

export interface OpiActivitiesOptions {
  dpu: string;
  /** host:port of the xPU's OPI server. */
  opiAddress: string;
  deadlineMs?: number;
}

export interface BridgePortRequest {
  /** bridge_port_id: stable per VF (the lease's). */
  id: string;
  mac: string;
  vlan: number;
}

// Resource names as OPI's reference EVPN server (opiproject/opi-evpn-bridge) makes and looks them up:
// "//network.opiproject.org/ports/<id>" (pkg/port/port.go @667e0a77, resourceIDToFullName and
// ListBridgePorts' prefix) and "//network.opiproject.org/bridges/<id>" (pkg/bridge/). A delete under
// any other name finds nothing and, with allow_missing, succeeds without deleting the port.
export const bridgePortName = (id: string) => `//network.opiproject.org/ports/${id}`;
export const logicalBridgeId = (vlan: number) => `vlan-${vlan}`;
export const logicalBridgeName = (vlan: number) =>
  `//network.opiproject.org/bridges/${logicalBridgeId(vlan)}`;

function unary<Req, Res>(
  fn: (
    req: Req,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, r?: Res) => void,
  ) => unknown,
  req: Req,
  deadlineMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    fn(req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    ),
  );
}

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** CreateBridgePort: an ACCESS port with the MAC on the VLAN's logical bridge; its answer checked. */
async function createBridgePort(p: BridgePortServiceClient, req: BridgePortRequest, deadlineMs: number) {
  const port = await unary<unknown, BridgePort__Output>(
    p.CreateBridgePort.bind(p) as never,
    {
      bridgePortId: req.id,
      bridgePort: {
        spec: {
          macAddress: macBytes(req.mac),
          ptype: 'BRIDGE_PORT_TYPE_ACCESS',
          logicalBridges: [logicalBridgeName(req.vlan)],
        },
      },
    },
    deadlineMs,
  );
  checkAnswer(
    'CreateBridgePort',
    answerType('opi/bridge_port.proto', `${PACKAGE}.BridgePort`),
    port,
    BRIDGE_PORT_NEEDS,
  );
  return port;
}

/** CreateLogicalBridge for the VLAN; one already there is success. */
async function ensureLogicalBridge(c: LogicalBridgeServiceClient, vlan: number, deadlineMs: number) {
  const bridge = await unary(
    c.CreateLogicalBridge.bind(c),
    { logicalBridgeId: logicalBridgeId(vlan), logicalBridge: { spec: { vlanId: vlan } } },
    deadlineMs,
  ).catch((e) => {
    if (!isCode(e, grpc.status.ALREADY_EXISTS)) throw e;
    return undefined;
  });
  if (bridge) {
    const type = answerType('opi/bridge_port.proto', `${PACKAGE}.LogicalBridge`);
    checkAnswer('CreateLogicalBridge', type, bridge, ['name', 'spec', 'spec.vlanId']);
  }
}

export function createOpiActivities(opts: OpiActivitiesOptions) {
  const api = opiEvpnApi();
  const deadline = opts.deadlineMs ?? 10_000;
  let ports: BridgePortServiceClient | undefined;
  let bridges: LogicalBridgeServiceClient | undefined;
  const portClient = () =>
    (ports ??= new api.BridgePortService(opts.opiAddress, grpc.credentials.createInsecure()));
  const bridgeClient = () =>
    (bridges ??= new api.LogicalBridgeService(opts.opiAddress, grpc.credentials.createInsecure()));
  const where = `(DPU ${opts.dpu}, OPI ${opts.opiAddress})`;

  const permanent = (err: unknown, what: string): unknown => opiFailure(err, what, where);

  return {
    /** Logical bridge for the VLAN, then an ACCESS bridge port with the MAC on it. */
    async opiEnsureBridgePort(req: BridgePortRequest): Promise<{ name: string; mac: string; vlan: number }> {
      const what = `CreateBridgePort ${req.id} MAC ${req.mac} VLAN ${req.vlan}`;
      let port: BridgePort__Output;
      try {
        // One call in the common case: Create of an existing identical port returns it.
        port = await createBridgePort(portClient(), req, deadline);
      } catch (err) {
        if (!isCode(err, grpc.status.NOT_FOUND)) throw permanent(err, what);
        // The VLAN's logical bridge is missing: create it, then the port.
        await ensureLogicalBridge(bridgeClient(), req.vlan, deadline).catch((e) => {
          throw permanent(e, `CreateLogicalBridge VLAN ${req.vlan}`);
        });
        port = await createBridgePort(portClient(), req, deadline).catch((e) => {
          throw permanent(e, what);
        });
      }
      const mac = [...(port.spec?.macAddress ?? [])].map((b) => b.toString(16).padStart(2, '0')).join(':');
      if (mac !== req.mac) {
        throw ApplicationFailure.nonRetryable(
          `bridge port ${req.id} exists with MAC ${mac}, not ${req.mac} ${where}: delete it (xpuflow vf detach) and retry`,
          OpiFailureType.Conflict,
        );
      }
      return { name: port.name, mac, vlan: req.vlan };
    },

    /** Deletes the bridge port; a port already gone is success. */
    async opiDeleteBridgePort(req: { id: string }): Promise<void> {
      const p = portClient();
      await unary(p.DeleteBridgePort.bind(p), { name: bridgePortName(req.id), allowMissing: true }, deadline);
    },
  };
}

export type OpiActivities = ReturnType<typeof createOpiActivities>;
