import os from 'node:os';
import path from 'node:path';
import { parseNetConf, podFromArgs } from '../../node/cni/config';
import { CniError } from '../../node/cni/errors';
import { parseRange } from '../../node/deviceplugin/pool';
import { runCni } from '../../node/cni/main';
import { checkMac, leaseMac } from '../../model/vf';

const base = {
  cniVersion: '1.0.0',
  name: 'n',
  type: 'xpuflow-cni',
  resourceName: 'xpuflow.io/p',
  deviceID: '0000:03:00.2',
  ipam: { type: 'static', addresses: [{ address: '10.0.0.2/24' }] },
};

function refusal(f: () => unknown): CniError {
  try {
    f();
  } catch (err) {
    if (err instanceof CniError) return err;
    throw err;
  }
  throw new Error('expected a CNI error');
}

test('a good config parses; runtimeConfig.deviceID is taken', () => {
  const { deviceID: _d, ...rest } = base;
  expect(
    parseNetConf(JSON.stringify({ ...rest, runtimeConfig: { deviceID: '0000:03:00.5' } })).deviceID,
  ).toBe('0000:03:00.5');
});

test.each([
  ['not JSON', '{', 6, 'not JSON'],
  ['no cniVersion', JSON.stringify({ ...base, cniVersion: undefined }), 7, 'cniVersion'],
  ['old cniVersion', JSON.stringify({ ...base, cniVersion: '0.3.1' }), 1, '0.3.1'],
  ['no deviceID', JSON.stringify({ ...base, deviceID: undefined }), 7, 'deviceID'],
  ['bad deviceID', JSON.stringify({ ...base, deviceID: '3:0.2' }), 7, '3:0.2'],
  [
    'bad address',
    JSON.stringify({ ...base, ipam: { type: 'static', addresses: [{ address: '10.0.0.300/24' }] } }),
    7,
    '10.0.0.300/24',
  ],
  ['unknown ipam', JSON.stringify({ ...base, ipam: { type: 'whereabouts' } }), 7, 'ipam.type "whereabouts"'],
  ['bad mtu', JSON.stringify({ ...base, mtu: 10 }), 7, 'mtu 10'],
])('%s is refused with code %#', (_what, stdin, code, named) => {
  const err = refusal(() => parseNetConf(stdin as string));
  expect(err.code).toBe(code);
  expect(err.message).toContain(named);
});

test('CNI_ARGS must name a pod', () => {
  expect(podFromArgs('IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_UID=u')).toEqual({
    namespace: 'ns',
    name: 'p',
    uid: 'u',
  });
  expect(refusal(() => podFromArgs('K8S_POD_NAME=p')).code).toBe(4);
});

test('VERSION is answered without the host agent; an unknown command is code 4', async () => {
  const v = await runCni({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: '1.1.0' }));
  expect(v.code).toBe(0);
  expect(JSON.parse(v.out)).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] });
  const bad = await runCni({ CNI_COMMAND: 'GET' }, '{}');
  expect(bad.code).toBe(1);
  expect(JSON.parse(bad.out)).toMatchObject({ code: 4 });
});

test('an unreachable host agent is "try again later" (11)', async () => {
  const r = await runCni(
    { CNI_COMMAND: 'DEL', XPUFLOW_HOSTAGENT_SOCKET: path.join(os.tmpdir(), 'no-such-agent.sock') },
    JSON.stringify(base),
  );
  expect(JSON.parse(r.out)).toMatchObject({ code: 11 });
});

test('VF ranges and lease MACs', () => {
  const r = parseRange('0-2,5') as (i: number) => boolean;
  expect([0, 1, 2, 3, 4, 5, 6].filter(r)).toEqual([0, 1, 2, 5]);
  expect(parseRange('3-1')).toContain('backwards');
  expect(parseRange('x')).toContain('"x"');
  const mac = leaseMac('node-a', '0000:03:00.2');
  expect(checkMac(mac)).toBeUndefined();
  expect(leaseMac('node-a', '0000:03:00.2')).toBe(mac);
  expect(leaseMac('node-b', '0000:03:00.2')).not.toBe(mac);
});
