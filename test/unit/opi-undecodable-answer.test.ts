/**
 * An OPI server that answers what xpuflow cannot decode: an enum value
 * opi-api does not define, or a BridgePort/LogicalBridge without a field the
 * API requires. The OPI activities fail with OpiUndecodableAnswer (non-retryable,
 * activities/opi/failures.ts) naming the RPC, the field and the value; a valid
 * answer, including the TO_BE_DELETED status value, passes.
 *
 * The server writes its answers as raw protobuf bytes (protobufjs Writer), so
 * it can send what no well-behaved encoder of xpuflow's .proto would.
 */
import * as grpc from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import * as protobuf from 'protobufjs';
import { createOpiActivities } from '../../activities/opi';
import { answerType, checkAnswer, UndecodableAnswer } from '../../proto/checked-decode';
import { opiEvpnApi } from '../../proto/load-vf';

const MAC = '02:00:00:00:00:2a';
const macBytes = Buffer.from(MAC.split(':').map((h) => parseInt(h, 16)));

/** BridgePort bytes: name = 1, spec = 2 {mac_address = 1, ptype = 2, logical_bridges = 3}, status = 3 {oper_status = 1}. */
function bridgePortBytes(p: {
  name?: string;
  ptype?: number;
  operStatus?: number;
  withSpec?: boolean;
}): Buffer {
  const w = protobuf.Writer.create();
  if (p.name !== undefined) w.uint32((1 << 3) | 2).string(p.name);
  if (p.withSpec !== false) {
    const spec = protobuf.Writer.create();
    spec.uint32((1 << 3) | 2).bytes(macBytes);
    if (p.ptype !== undefined) spec.uint32((2 << 3) | 0).int32(p.ptype);
    spec.uint32((3 << 3) | 2).string('//network.opiproject.org/bridges/vlan-10');
    w.uint32((2 << 3) | 2).bytes(spec.finish());
  }
  if (p.operStatus !== undefined) {
    const status = protobuf.Writer.create()
      .uint32((1 << 3) | 0)
      .int32(p.operStatus)
      .finish();
    w.uint32((3 << 3) | 2).bytes(status);
  }
  return Buffer.from(w.finish());
}

interface Garbage {
  /** The CreateBridgePort answer, or a gRPC status code to fail it with. */
  createBridgePort: Buffer | grpc.status;
  /** The CreateLogicalBridge answer. */
  createLogicalBridge?: Buffer;
}

async function startGarbageOpi(answers: Garbage): Promise<{ address: string; stop(): Promise<void> }> {
  const api = opiEvpnApi();
  const raw = <D extends grpc.ServiceDefinition>(def: D, method: keyof D): D => ({
    ...def,
    [method]: { ...def[method], responseSerialize: (b: Buffer) => b },
  });
  const server = new grpc.Server();
  let bridgeMade = false;
  server.addService(raw(api.BridgePortService.service, 'CreateBridgePort'), {
    CreateBridgePort: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => {
      const a = answers.createBridgePort;
      if (typeof a === 'number' && !bridgeMade) return cb({ code: a, details: 'logical bridge missing' });
      cb(null, typeof a === 'number' ? bridgePortBytes({ name: 'bridgePorts/x', ptype: 1 }) : a);
    },
    GetBridgePort: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb({ code: grpc.status.UNIMPLEMENTED }),
    DeleteBridgePort: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}),
  });
  server.addService(raw(api.LogicalBridgeService.service, 'CreateLogicalBridge'), {
    CreateLogicalBridge: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => {
      bridgeMade = true;
      cb(null, answers.createLogicalBridge ?? Buffer.alloc(0));
    },
    GetLogicalBridge: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
      cb({ code: grpc.status.UNIMPLEMENTED }),
    DeleteLogicalBridge: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, {}),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

async function ensureAgainst(answers: Garbage) {
  const opi = await startGarbageOpi(answers);
  try {
    const acts = createOpiActivities({ dpu: 'dpu-g', opiAddress: opi.address, deadlineMs: 5000 });
    return await acts.opiEnsureBridgePort({ id: 'vf-g', mac: MAC, vlan: 10 }).then(
      (ok) => ({ ok, err: undefined }),
      (err: unknown) => ({ ok: undefined, err }),
    );
  } finally {
    await opi.stop();
  }
}

function expectUndecodable(
  err: unknown,
  text: RegExp,
  details: { rpc: string; field: string; value: string },
) {
  expect(err).toBeInstanceOf(ApplicationFailure);
  const f = err as ApplicationFailure;
  expect(f.type).toBe('OpiUndecodableAnswer');
  expect(f.nonRetryable).toBe(true);
  expect(f.message).toMatch(text);
  expect(f.message).toContain('(DPU dpu-g, OPI 127.0.0.1:');
  expect(f.details).toEqual([details]);
}

test('a bridge port type opi-api does not define (7) fails naming CreateBridgePort, spec.ptype and 7', async () => {
  const { err } = await ensureAgainst({
    createBridgePort: bridgePortBytes({ name: 'bridgePorts/vf-g', ptype: 7 }),
  });
  expectUndecodable(
    err,
    /CreateBridgePort answered spec\.ptype = 7, which is not a value of opi_api\.network\.evpn_gw\.v1alpha1\.BridgePortType \(BRIDGE_PORT_TYPE_UNSPECIFIED=0, BRIDGE_PORT_TYPE_ACCESS=1, BRIDGE_PORT_TYPE_TRUNK=2\)/,
    {
      rpc: 'CreateBridgePort',
      field: 'spec.ptype',
      value: '7',
    },
  );
});

test('an unknown status enum in a nested message is caught as well', async () => {
  const { err } = await ensureAgainst({
    createBridgePort: bridgePortBytes({ name: 'bridgePorts/vf-g', ptype: 1, operStatus: 9 }),
  });
  expectUndecodable(err, /CreateBridgePort answered status\.operStatus = 9/, {
    rpc: 'CreateBridgePort',
    field: 'status.operStatus',
    value: '9',
  });
});

test('a bridge port answered without its name fails naming the missing field', async () => {
  const { err } = await ensureAgainst({ createBridgePort: bridgePortBytes({ ptype: 1 }) });
  expectUndecodable(err, /CreateBridgePort answered a BridgePort without name/, {
    rpc: 'CreateBridgePort',
    field: 'name',
    value: '(missing)',
  });
});

test('a logical bridge answered without its spec fails naming CreateLogicalBridge and spec', async () => {
  const { err } = await ensureAgainst({
    createBridgePort: grpc.status.NOT_FOUND,
    createLogicalBridge: Buffer.from(
      protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string('bridges/vlan-10')
        .finish(),
    ),
  });
  expectUndecodable(err, /CreateLogicalBridge answered a LogicalBridge without spec/, {
    rpc: 'CreateLogicalBridge',
    field: 'spec',
    value: '(missing)',
  });
});

test('a valid answer passes, including the upstream TO_BE_DELETED status value', async () => {
  const { ok, err } = await ensureAgainst({
    createBridgePort: bridgePortBytes({ name: 'bridgePorts/vf-g', ptype: 1, operStatus: 3 }),
  });
  expect(err).toBeUndefined();
  expect(ok).toEqual({ name: 'bridgePorts/vf-g', mac: MAC, vlan: 10 });
});

test('checkAnswer: required paths, an enum at its zero value counts as missing, a path the type lacks is a bug', () => {
  const type = answerType('opi/bridge_port.proto', 'opi_api.network.evpn_gw.v1alpha1.BridgePortSpec');
  expect(() =>
    checkAnswer('Probe', type, { ptype: 'BRIDGE_PORT_TYPE_ACCESS', logicalBridges: ['a'] }),
  ).not.toThrow();
  expect(() => checkAnswer('Probe', type, { ptype: 'BRIDGE_PORT_TYPE_ACCESS' }, ['macAddress'])).toThrow(
    UndecodableAnswer,
  );
  expect(() => checkAnswer('Probe', type, { ptype: 'BRIDGE_PORT_TYPE_UNSPECIFIED' }, ['ptype'])).toThrow(
    /Probe answered a BridgePortSpec without ptype \(it is "BRIDGE_PORT_TYPE_UNSPECIFIED"\)/,
  );
  expect(() => checkAnswer('Probe', type, {}, ['noSuchField'])).toThrow(/has no field noSuchField/);
});

test('checkAnswer serves other targets too: a gNOI ActivateResponse with an unknown error type names it', () => {
  const type = answerType('gnoi/os.proto', 'gnoi.os.ActivateResponse');
  expect(() =>
    checkAnswer('Activate', type, { activateError: { type: 'NON_EXISTENT_VERSION' } }),
  ).not.toThrow();
  expect(() => checkAnswer('Activate', type, { activateError: { type: 42, detail: '' } })).toThrow(
    /^Activate answered activateError\.type = 42, which is not a value of gnoi\.os\.ActivateError\.Type \(/,
  );
});
