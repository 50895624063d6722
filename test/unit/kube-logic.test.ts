/** The pure logic behind the controllers and the rollout: selectors, node discovery, maxUnavailable, batches, template hashes, DPU resolution. */
import { matchesSelector } from '../../model/resources/label-selector';
import { resolveDpu, type Lookups } from '../../controllers/resolve-dpu';
import { templateHash } from '../../controllers/template-hash';
import {
  dpuLifecycleWorkflowId,
  dpusetRolloutWorkflowId,
  rolloutTemplateHash,
} from '../../model/workflow-ids';
import {
  dpuObjectName,
  labelValueToPci,
  pciToLabelValue,
  reportedPciAddresses,
} from '../../model/resources/pci-labels';
import type { DpuResource } from '../../model/resources/common';
import { plannedBatches, resolveMaxUnavailable } from '../../model/dpuset-api';

test('label selectors match as the API server defines them', () => {
  const labels = { rack: 'r1', gpu: 'h100' };
  expect(matchesSelector(undefined, labels)).toBe(true);
  expect(matchesSelector({ matchLabels: { rack: 'r1' } }, labels)).toBe(true);
  expect(matchesSelector({ matchLabels: { rack: 'r2' } }, labels)).toBe(false);
  expect(
    matchesSelector({ matchExpressions: [{ key: 'gpu', operator: 'In', values: ['a100', 'h100'] }] }, labels),
  ).toBe(true);
  expect(
    matchesSelector({ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['h100'] }] }, labels),
  ).toBe(false);
  expect(matchesSelector({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
  expect(matchesSelector({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(
    true,
  );
});

test('node discovery reads PCI addresses from labels, in label order, ignoring malformed values', () => {
  expect(pciToLabelValue('0000:03:00.0')).toBe('0000-03-00.0');
  expect(labelValueToPci('0000-AF-00.1')).toBe('0000:af:00.1');
  expect(labelValueToPci('03-00.0')).toBeUndefined();
  const labels = {
    'dpu.xpuflow.dev/pci-address-10': '0000-05-00.0',
    'dpu.xpuflow.dev/pci-address-1': '0000-04-00.0',
    'dpu.xpuflow.dev/pci-address-0': '0000-03-00.0',
    'dpu.xpuflow.dev/pci-address-2': 'garbage',
    other: 'x',
  };
  expect(reportedPciAddresses(labels)).toEqual(['0000:03:00.0', '0000:04:00.0', '0000:05:00.0']);
  expect(dpuObjectName('worker-7', '0000:af:00.1')).toBe('worker-7-af-00-1');
});

test('maxUnavailable resolves integers and percentages like Kubernetes (down, at least 1) and refuses the rest', () => {
  expect(resolveMaxUnavailable(undefined, 100)).toBe(1);
  expect(resolveMaxUnavailable(3, 100)).toBe(3);
  expect(resolveMaxUnavailable('10%', 100)).toBe(10);
  expect(resolveMaxUnavailable('10%', 15)).toBe(1);
  expect(resolveMaxUnavailable('1%', 5)).toBe(1);
  expect(() => resolveMaxUnavailable('ten', 10)).toThrow(/"ten" is neither an integer nor a percentage/);
  expect(plannedBatches(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
});

test('template hashes ignore key order and unset fields, and change with content', () => {
  const a = templateHash({ spec: { bfb: 'x', numVfs: 2, flavor: undefined } });
  expect(templateHash({ spec: { numVfs: 2, bfb: 'x' } })).toBe(a);
  expect(templateHash({ spec: { numVfs: 3, bfb: 'x' } })).not.toBe(a);
  const id = dpusetRolloutWorkflowId({ namespace: 'ns', name: 'set' }, a, 7);
  expect(rolloutTemplateHash(id)).toBe(a);
  expect(dpuLifecycleWorkflowId({ namespace: 'ns', name: 'd', uid: '1234567890ab' })).toBe(
    'dpu-ns-d-12345678',
  );
});

describe('resolving a DPU object into the spec its flows run with', () => {
  const dpu: DpuResource = {
    apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
    kind: 'DPU',
    metadata: { name: 'n1-03-00-0', namespace: 'ns', uid: 'u1', generation: 2 },
    spec: { nodeName: 'n1', pciAddress: '0000:03:00.0', bfb: 'b', flavor: 'f' },
  };
  const look = (over: Partial<Lookups> = {}): Lookups => ({
    bfb: () => ({
      apiVersion: '',
      kind: 'BFB',
      metadata: { name: 'b' },
      spec: { url: 'http://h/b.bfb', sha256: 'a'.repeat(64) },
    }),
    flavor: () => ({ apiVersion: '', kind: 'DPUFlavor', metadata: { name: 'f' }, spec: { numVfs: 8 } }),
    node: () => ({
      metadata: {
        name: 'n1',
        labels: {
          'dpu.xpuflow.dev/pci-address-0': '0000-02-00.0',
          'dpu.xpuflow.dev/pci-address-1': '0000-03-00.0',
        },
      },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] },
    }),
    ...over,
  });
  const settings = { dmsBasePort: 9339, dmsImage: 'dms:1', workflowUrl: (id: string) => `http://ui/${id}` };

  test('a complete DPU resolves: BFB, flavor VFs, DMS on the node IP at base + index', () => {
    const r = resolveDpu(dpu, look(), settings, 'dpu-ns-n1');
    if (!('spec' in r)) throw new Error(JSON.stringify(r));
    expect(r.spec).toMatchObject({
      name: 'n1-03-00-0',
      node: 'n1',
      pciAddress: '0000:03:00.0',
      bfb: { url: 'http://h/b.bfb' },
      dmsAddress: '10.0.0.5:9340',
      numVfs: 8,
      automaticReboot: true,
      kube: {
        ref: { namespace: 'ns', name: 'n1-03-00-0', uid: 'u1' },
        generation: 2,
        dmsPort: 9340,
        workflowUrl: 'http://ui/dpu-ns-n1',
      },
    });
  });

  test("the flavor's bf.cfg content travels in the spec; numVfs stays out of it; an empty flavor adds none", () => {
    const content = {
      bfcfgParameters: ['UPDATE_DPU_OS=yes'],
      grub: { kernelParameters: ['console=hvc0'] },
      sysctl: { parameters: ['a.b=1'] },
      nvconfig: [{ device: '*', parameters: ['SRIOV_EN=1'] }],
      ovs: { rawConfigScript: 'ovs-vsctl show' },
      configFiles: [{ path: '/etc/x', raw: 'y' }],
      containerdConfig: { registryEndpoint: 'https://m.example' },
    };
    const flavor = (spec: object) => () => ({
      apiVersion: '',
      kind: 'DPUFlavor',
      metadata: { name: 'f' },
      spec,
    });
    const r = resolveDpu(
      dpu,
      look({ flavor: flavor({ numVfs: 4, ...content, dpuResources: { cpu: '8' } }) }),
      settings,
      'id',
    );
    if (!('spec' in r)) throw new Error(JSON.stringify(r));
    expect(r.spec.bfCfg).toEqual({ hostname: 'n1-03-00-0', flavor: content });
    expect(r.spec.numVfs).toBe(4);
    const bare = resolveDpu(
      dpu,
      look({ flavor: flavor({ numVfs: 4, grub: {}, configFiles: [] }) }),
      settings,
      'id',
    );
    if (!('spec' in bare)) throw new Error(JSON.stringify(bare));
    expect(bare.spec.bfCfg).toEqual({ hostname: 'n1-03-00-0' });
  });

  const cases: Array<[string, Partial<Lookups>, string, string, RegExp]> = [
    [
      'a missing BFB waits',
      { bfb: (): undefined => undefined },
      'Pending',
      'BFBNotFound',
      /waiting for BFB b in namespace ns/,
    ],
    [
      'a missing flavor waits',
      { flavor: (): undefined => undefined },
      'Pending',
      'FlavorNotFound',
      /DPUFlavor f/,
    ],
    [
      'a missing node is an error',
      { node: (): undefined => undefined },
      'Error',
      'NodeNotFound',
      /node n1 does not exist/,
    ],
    [
      'a PCI address the node does not report is an error naming what it reports',
      {
        node: () => ({
          metadata: { name: 'n1', labels: { 'dpu.xpuflow.dev/pci-address-0': '0000-02-00.0' } },
        }),
      },
      'Error',
      'PCIAddressNotReported',
      /does not report a DPU at 0000:03:00.0 \(it reports 0000:02:00.0/,
    ],
  ];
  test.each(cases)('%s', (_what, over, phase, reason, message) => {
    const r = resolveDpu(dpu, look(over), settings, 'id');
    if (!('problem' in r)) throw new Error('resolved');
    expect(r.problem.phase).toBe(phase);
    expect(r.problem.reason).toBe(reason);
    expect(r.problem.message).toMatch(message);
  });
});
