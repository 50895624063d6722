/** The install path a DPU takes (model/install-path.ts), its checks, and how a DPU object resolves to it. */
import { bfbVersionOf, installPathOf, installPathProblems } from '../../model/install-path';
import { specProblems } from '../../model/validation';
import { resolveDpu, type Lookups } from '../../controllers/resolve-dpu';
import type { DpuSpec } from '../../model/dpu';
import type { DpuResource } from '../../model/resources/common';

const bmc = {
  address: 'https://10.0.5.7',
  credentialsSecret: { name: 'bmc-n1' },
  caRef: { kind: 'Secret' as const, name: 'bmc-ca' },
};

test('gnoi unless the spec says redfish', () => {
  expect(installPathOf({})).toBe('gnoi');
  expect(installPathOf({ installPath: 'redfish' })).toBe('redfish');
});

test('redfish needs a bmc block with an address, a Secret and a pinned certificate; each problem names the field', () => {
  expect(installPathProblems({ installPath: 'redfish', bmc })).toEqual([]);
  expect(
    installPathProblems({
      installPath: 'redfish',
      bmc: { ...bmc, caRef: undefined, certSha256: 'ab'.repeat(32) },
    }),
  ).toEqual([]);
  expect(installPathProblems({ installPath: 'redfish' })).toEqual([
    'installPath redfish needs bmc: { address, credentialsSecret, caRef or certSha256 }',
  ]);
  expect(installPathProblems({ installPath: 'ipmi' })[0]).toContain(
    'installPath "ipmi" is not one of gnoi, redfish',
  );
  const bad = installPathProblems({
    installPath: 'redfish',
    bmc: { address: 'http://10.0.5.7', credentialsSecret: { name: 'Bad_Name' }, certSha256: 'xyz' },
  });
  expect(bad.join('\n')).toContain('bmc.address "http://10.0.5.7" is not host[:port] or https://host[:port]');
  expect(bad.join('\n')).toContain('bmc.credentialsSecret.name "Bad_Name"');
  expect(bad.join('\n')).toContain('bmc.certSha256 "xyz" is not 64 hex digits');
  expect(installPathProblems({ installPath: 'redfish', bmc: { ...bmc, caRef: undefined } })).toEqual([
    'bmc needs caRef or certSha256: the BMC certificate is pinned, never taken on trust',
  ]);
});

test('a redfish spec is not asked for a DMS address; a gnoi one is', () => {
  const spec: DpuSpec = {
    name: 'd1',
    node: 'n1',
    pciAddress: '0000:03:00.0',
    bfb: { url: 'http://h/b.bfb', sha256: 'a'.repeat(64) },
    dmsAddress: '',
    numVfs: 0,
    automaticReboot: true,
  };
  expect(specProblems(spec).join()).toContain('DMS address');
  expect(specProblems({ ...spec, installPath: 'redfish', bmc })).toEqual([]);
  expect(specProblems({ ...spec, installPath: 'redfish' }).join()).toContain('needs bmc');
});

test("the version a BFB installs is its file name without .bfb, as the BMC's DPU_OS entry reports it", () => {
  expect(bfbVersionOf('http://h:8080/bfb/bf-bundle-2.9.1.bfb')).toBe('bf-bundle-2.9.1');
  expect(bfbVersionOf('https://h/x/bf%2Bbundle.BFB?sig=1')).toBe('bf+bundle');
});

describe('a DPU object takes its install path from its spec, else from its flavor', () => {
  const dpu = (spec: Partial<DpuResource['spec']>): DpuResource => ({
    apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
    kind: 'DPU',
    metadata: { name: 'n1-dpu', namespace: 'ns', uid: 'u1', generation: 1 },
    spec: { nodeName: 'n1', pciAddress: '0000:03:00.0', bfb: 'b', flavor: 'f', ...spec },
  });
  const look = (flavorPath?: 'gnoi' | 'redfish'): Lookups => ({
    bfb: () => ({
      apiVersion: '',
      kind: 'BFB',
      metadata: { name: 'b' },
      spec: { url: 'http://h/b.bfb', sha256: 'a'.repeat(64) },
    }),
    flavor: () => ({
      apiVersion: '',
      kind: 'DPUFlavor',
      metadata: { name: 'f' },
      spec: flavorPath ? { installPath: flavorPath } : {},
    }),
    node: () => ({
      metadata: { name: 'n1', labels: { 'dpu.xpuflow.dev/pci-address-0': '0000-03-00.0' } },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] },
    }),
  });
  const settings = { dmsBasePort: 9339, dmsImage: 'dms:1', workflowUrl: () => undefined };

  test('a flavor saying redfish and a DPU with its bmc: the spec carries both', () => {
    const r = resolveDpu(dpu({ bmc }), look('redfish'), settings, 'id');
    if (!('spec' in r)) throw new Error(JSON.stringify(r));
    expect(r.spec).toMatchObject({ installPath: 'redfish', bmc });
  });

  test("the DPU's own gnoi wins over the flavor's redfish; no path at all is gnoi", () => {
    const r = resolveDpu(dpu({ installPath: 'gnoi' }), look('redfish'), settings, 'id');
    if (!('spec' in r)) throw new Error(JSON.stringify(r));
    expect(r.spec.installPath).toBeUndefined();
    const plain = resolveDpu(dpu({}), look(), settings, 'id');
    if (!('spec' in plain)) throw new Error(JSON.stringify(plain));
    expect(plain.spec.installPath).toBeUndefined();
  });

  test('a flavor saying redfish for a DPU without a bmc: Error naming the flavor and what to set, nothing starts', () => {
    const r = resolveDpu(dpu({}), look('redfish'), settings, 'id');
    expect(r).toEqual({
      problem: {
        phase: 'Error',
        reason: 'InstallPathInvalid',
        message: expect.stringContaining("takes installPath redfish from DPUFlavor f's installPath"),
      },
    });
    if ('problem' in r) expect(r.problem.message).toContain('set spec.bmc or choose installPath gnoi');
  });
});
