/**
 * grpcurl drives xpuflow's OPI simulator (sim/opi, over a private Open
 * vSwitch): CreateLogicalBridge, CreateBridgePort, GetBridgePort,
 * GetLogicalBridge, DeleteBridgePort. opi-api's .proto files are not served by
 * a registry reachable here, so grpcurl does not read upstream's files: it
 * reads the upstream facts table (opi-upstream.ts, from opi-api @77a8b3e5)
 * written out as .proto, which proto-conformance.test.ts checks against both
 * the table and proto/opi. A VLAN sent as upstream's vlan_id = 1 must become
 * the OVS port's tag. Needs root and Open vSwitch: under CI a missing one fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startOpiSim, type OpiSim } from '../../sim/opi';
import { startPrivateOvs, type PrivateOvs } from '../../sim/ovs';
import { requirePrerequisites } from '../support/prerequisites';
import { describeWith, goToolsBin } from '../support/third-party-tools';
import { grpcurl } from './grpcurl';
import { writeOpiUpstreamProto } from './opi-upstream';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Starts a private Open vSwitch (userspace datapath, whose tap devices live on this host): two at once
// collide, so one such file at a time (ovs-activities lost its bridge's mgmt socket beside this one).
holdLock(LOCKS.hostNetwork);

const tools = goToolsBin();
// Root and Open vSwitch: under CI=true a missing one fails the suite (test/support/prerequisites.ts).
const describeOpi = tools.missing
  ? describeWith([tools], 'the grpcurl OPI contract tests')
  : requirePrerequisites('the grpcurl OPI contract tests', ['root', 'openvswitch']).describe;

const PKG = 'opi_api.network.evpn_gw.v1alpha1';
const MAC = '02:11:22:33:44:55';

describeOpi('grpcurl with the opi-api upstream table against sim/opi', () => {
  const tag = Math.random().toString(36).slice(2, 6);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-grpcurl-opi-'));
  const protoDir = path.join(dir, 'protos');
  let proto: string;
  let ovs: PrivateOvs;
  let sim: OpiSim;
  let bridgeName: string;
  let portName: string;

  const call = (method: string, request: unknown) =>
    grpcurl({
      bin: tools.dir as string,
      importPaths: [protoDir],
      protos: [proto],
      address: sim.address,
      method: `${PKG}.${method}`,
      requests: [request],
    });

  beforeAll(async () => {
    proto = writeOpiUpstreamProto(protoDir);
    ovs = await startPrivateOvs(path.join(dir, 'ovs'));
    sim = await startOpiSim({ ovs, bridge: `xg${tag}`, portPrefix: `xh${tag}` });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    await ovs?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('CreateLogicalBridge with vlan_id only: answered with that VLAN and no VNI (vni is optional)', async () => {
    const r = await call('LogicalBridgeService/CreateLogicalBridge', {
      logical_bridge_id: 'vlan-10',
      logical_bridge: { spec: { vlan_id: 10 } },
    });
    expect(r.answers).toEqual([{ name: '//network.opiproject.org/bridges/vlan-10', spec: { vlanId: 10 } }]);
    bridgeName = r.answers[0].name as string;
  });

  test('CreateLogicalBridge with a VNI: GetLogicalBridge answers it', async () => {
    await call('LogicalBridgeService/CreateLogicalBridge', {
      logical_bridge_id: 'vlan-20',
      logical_bridge: { spec: { vlan_id: 20, vni: 5020 } },
    });
    const r = await call('LogicalBridgeService/GetLogicalBridge', {
      name: bridgeName.replace(/vlan-10$/, 'vlan-20'),
    });
    expect(r.answers).toEqual([{ name: expect.stringMatching(/vlan-20$/), spec: { vlanId: 20, vni: 5020 } }]);
  });

  test('CreateBridgePort: an ACCESS port whose OVS tag is the logical bridge VLAN; a retry returns it', async () => {
    const req = {
      bridge_port_id: 'vf-a',
      bridge_port: {
        spec: {
          mac_address: Buffer.from(MAC.split(':').map((h) => parseInt(h, 16))).toString('base64'),
          ptype: 'BRIDGE_PORT_TYPE_ACCESS',
          logical_bridges: [bridgeName],
        },
      },
    };
    const r = await call('BridgePortService/CreateBridgePort', req);
    expect(r.answers).toEqual([
      expect.objectContaining({
        // As OPI's reference server names bridge ports (opiproject/opi-evpn-bridge pkg/port/port.go @667e0a77).
        name: '//network.opiproject.org/ports/vf-a',
        spec: expect.objectContaining({ ptype: 'BRIDGE_PORT_TYPE_ACCESS', logicalBridges: [bridgeName] }),
      }),
    ]);
    expect(await sim.ports()).toEqual([expect.objectContaining({ bridgePort: 'vf-a', mac: MAC, tag: 10 })]);
    portName = r.answers[0].name as string;
    const again = await call('BridgePortService/CreateBridgePort', req);
    expect(again.answers[0].name).toBe(portName);
  });

  test('GetBridgePort answers the port; DeleteBridgePort with allow_missing succeeds twice', async () => {
    const name = portName;
    const got = await call('BridgePortService/GetBridgePort', { name });
    expect(got.answers).toEqual([
      expect.objectContaining({ name, status: { operStatus: 'BP_OPER_STATUS_UP' } }),
    ]);
    for (let i = 0; i < 2; i++) {
      const del = await call('BridgePortService/DeleteBridgePort', { name, allow_missing: true });
      expect(del.answers).toEqual([{}]);
    }
    expect(await sim.ports()).toEqual([]);
    const gone = await call('BridgePortService/GetBridgePort', { name });
    expect(gone.status?.code).toBe(grpc.status.NOT_FOUND);
  });
});
