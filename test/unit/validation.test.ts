/** Input checks done at every edge: each names the offending value. */
import { parsePhase, Phase } from '../../model/phases';
import {
  checkBfbUrl,
  checkDmsAddress,
  checkNumVfs,
  checkPciAddress,
  checkSha256,
  specProblems,
} from '../../model/validation';
import type { DpuSpec } from '../../model/dpu';

const good: DpuSpec = {
  name: 'host-1-dpu-0',
  node: 'host-1',
  pciAddress: '0000:03:00.0',
  bfb: { url: 'https://bfb.example/bf-bundle-2.9.bfb', sha256: 'a'.repeat(64) },
  dmsAddress: '10.0.0.5:9339',
  numVfs: 4,
  automaticReboot: true,
};

test.each(['0000:03:00.0', '0000:af:1f.7', 'ffff:ff:00.1'])('PCI address %s is accepted', (a) => {
  expect(checkPciAddress(a)).toBeUndefined();
});

test.each([
  '0000:03:00',
  '03:00.0',
  '0000:03:00.8',
  '0000:03:20.0',
  '0000:AF:00.0',
  '../../etc/passwd',
  '0000:03:00.0/..',
  '0000:03:00.0/../x',
  '',
  ' 0000:03:00.0',
])('PCI address %j is refused, named in the message', (a) => {
  expect(checkPciAddress(a)).toContain(JSON.stringify(a));
});

test('numVfs: negative, fractional and over sriov_totalvfs are refused with both numbers', () => {
  expect(checkNumVfs(-1)).toContain('-1');
  expect(checkNumVfs(1.5)).toContain('1.5');
  expect(checkNumVfs(17, 16, '0000:03:00.0')).toBe(
    'numVfs 17 is over sriov_totalvfs 16 of 0000:03:00.0; ask for at most 16',
  );
  expect(checkNumVfs(16, 16)).toBeUndefined();
  expect(checkNumVfs(0, 16)).toBeUndefined();
});

test.each([
  'ftp://x/y.bfb',
  'file:///etc/passwd',
  '/tmp/a.bfb',
  'http//x',
  'https://',
  'javascript:alert(1)',
])('BFB URL %j is refused', (u) => {
  expect(checkBfbUrl(u)).toContain(JSON.stringify(u));
});

test('sha256 must be 64 lowercase hex digits', () => {
  expect(checkSha256('a'.repeat(64))).toBeUndefined();
  expect(checkSha256('A'.repeat(64))).toContain('not 64 lowercase hex');
  expect(checkSha256('abc')).toContain('"abc"');
});

test('DMS address must be host:port with a port in range', () => {
  expect(checkDmsAddress('127.0.0.1:9339')).toBeUndefined();
  expect(checkDmsAddress('[::1]:9339')).toBeUndefined();
  expect(checkDmsAddress('dms:0')).toContain('outside 1-65535');
  expect(checkDmsAddress('dms')).toContain('not host:port');
});

test('a good spec has no problems; a bad one lists every problem', () => {
  expect(specProblems(good)).toEqual([]);
  const bad = {
    ...good,
    name: 'Bad_Name',
    pciAddress: 'x',
    numVfs: -2,
    automaticReboot: 'yes',
  } as unknown as DpuSpec;
  const problems = specProblems(bad);
  expect(problems).toHaveLength(4);
  expect(problems.join('\n')).toContain('"Bad_Name"');
});

test('phase names parse as an operator types them', () => {
  expect(parsePhase('os-installing')).toBe(Phase.OsInstalling);
  expect(parsePhase('OS Installing')).toBe(Phase.OsInstalling);
  expect(parsePhase('hostnetworkconfiguration')).toBe(Phase.HostNetworkConfiguration);
  expect(parsePhase('flashing')).toBeUndefined();
});
