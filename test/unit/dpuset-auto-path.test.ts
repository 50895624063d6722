/**
 * A DPUSet whose template says `installPath: auto` holds DPUs of both install
 * paths: the DPUs the nodes matching nodeSelector report take gnoi, the
 * DPUDevices dpuDeviceSelector selects take redfish with their BMC block, a
 * DPU both ways takes redfish, and every DPU names its concrete path (never
 * `auto`). DPUs made from the template count as up to date (no rollout of an
 * unchanged template). The Kube client is a fake recording what the
 * controller writes; Temporal is not reachable (a rollout start would throw).
 */
import type * as k8s from '@kubernetes/client-node';
import { templateHash } from '../../controllers/template-hash';
import {
  TEMPLATE_HASH_ANNOTATION,
  type DpuSetResource,
  type DpuTemplateSpec,
} from '../../model/resources/common';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../../model/resources/dpu-discovery';
import { dpuObjectName, PCI_LABEL_PREFIX, pciToLabelValue } from '../../model/resources/pci-labels';
import { discoveredDevice, fakeDpuSetController } from '../support/dpuset-controller-fake';

const ns = 'default';
const SHA = 'cd'.repeat(32);
const PCI = '0000:3b:00.0';

function device(name: string, node: string, status: Partial<NonNullable<DpuDeviceResource['status']>> = {}) {
  const bmc = { ip: '127.0.0.9', port: 443, certSha256: SHA };
  return discoveredDevice(
    { name, namespace: ns, labels: { via: 'bmc' }, bmc, pciAddress: PCI, node, discovery: 'rack' },
    status,
  );
}

function node(name: string, labels: Record<string, string>): k8s.V1Node {
  return { metadata: { name, labels: { ...labels, [`${PCI_LABEL_PREFIX}0`]: pciToLabelValue(PCI) } } };
}

function world(opts: {
  template: DpuTemplateSpec;
  nodes: k8s.V1Node[];
  devices: DpuDeviceResource[];
  nodeSelector?: Record<string, string>;
}) {
  const set = {
    metadata: { name: 'mixed', namespace: ns, generation: 1, uid: 'u1' },
    spec: {
      ...(opts.nodeSelector ? { nodeSelector: { matchLabels: opts.nodeSelector } } : {}),
      dpuDeviceSelector: { matchLabels: { via: 'bmc' } },
      dpuTemplate: { spec: opts.template },
    },
  } as unknown as DpuSetResource;
  const discovery = {
    metadata: { name: 'rack', namespace: ns },
    spec: { ipRangeSpec: { cidr: '127.0.0.0/28' }, bmcCredentialsSecret: { name: 'bmc-credentials' } },
  } as unknown as DpuDiscoveryResource;
  return { ...fakeDpuSetController({ set, nodes: opts.nodes, devices: opts.devices, discovery }), set };
}

const BMC = { address: '127.0.0.9:443', certSha256: SHA, credentialsSecret: { name: 'bmc-credentials' } };

test("auto: the selected nodes' DPUs take gnoi, the selected devices' redfish with their BMC, none says auto", async () => {
  const { ctl, dpus, set } = world({
    template: { bfb: 'bfb-1', installPath: 'auto' },
    nodeSelector: { via: 'dms' },
    // host-b's node is not selected: its DPU comes from its device alone.
    nodes: [node('host-a', { via: 'dms' }), node('host-b', {})],
    devices: [device('mt-b', 'host-b')],
  });
  await ctl.reconcile(ns, 'mixed');
  const byName = Object.fromEntries(dpus.map((d) => [d.metadata.name, d.spec]));
  expect(byName).toEqual({
    [dpuObjectName('host-a', PCI)]: {
      bfb: 'bfb-1',
      installPath: 'gnoi',
      nodeName: 'host-a',
      pciAddress: PCI,
    },
    [dpuObjectName('host-b', PCI)]: {
      bfb: 'bfb-1',
      installPath: 'redfish',
      nodeName: 'host-b',
      pciAddress: PCI,
      bmc: BMC,
    },
  });
  expect(dpus.map((d) => d.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION])).toEqual([
    templateHash(set.spec.dpuTemplate),
    templateHash(set.spec.dpuTemplate),
  ]);
  // Made from the current template: the next reconcile creates nothing and starts no rollout ({} as Client would throw).
  await ctl.reconcile(ns, 'mixed');
  expect(dpus).toHaveLength(2);
});

test('auto: a DPU both a selected node reports and a selected device places takes redfish, once', async () => {
  const { ctl, dpus } = world({
    template: { bfb: 'bfb-1', installPath: 'auto' },
    nodeSelector: { via: 'dms' },
    nodes: [node('host-a', { via: 'dms' })],
    devices: [device('mt-a', 'host-a')],
  });
  await ctl.reconcile(ns, 'mixed');
  expect(dpus).toHaveLength(1);
  expect(dpus[0].spec).toMatchObject({ installPath: 'redfish', nodeName: 'host-a', bmc: BMC });
});

test('auto: a device still without its BMC block holds back its DPU on the gnoi path too, with one Warning', async () => {
  const { ctl, dpus, events } = world({
    template: { bfb: 'bfb-1', installPath: 'auto' },
    nodes: [node('host-a', {}), node('host-c', {})],
    devices: [device('mt-a', 'host-a', { bmcCertSha256: undefined })],
  });
  await ctl.reconcile(ns, 'mixed');
  await ctl.reconcile(ns, 'mixed');
  // No nodeSelector: every reporting node; host-a's DPU waits for its device, host-c's goes through DMS.
  expect(dpus.map((d) => [d.metadata.name, d.spec.installPath])).toEqual([
    [dpuObjectName('host-c', PCI), 'gnoi'],
  ]);
  expect(events.filter((e) => e.startsWith('Warning'))).toHaveLength(1);
  expect(events[0]).toMatch(
    /^Warning DPUDeviceWaiting DPU host-a-3b-00-0 not created yet: DPUDevice mt-a .*bmcCertSha256/,
  );
});

test('redfish (not auto): nodeSelector still filters the devices and the nodes add no DPU, as before', async () => {
  const { ctl, dpus } = world({
    template: { bfb: 'bfb-1', installPath: 'redfish' },
    nodeSelector: { via: 'dms' },
    nodes: [node('host-a', { via: 'dms' }), node('host-b', {})],
    devices: [device('mt-b', 'host-b')],
  });
  await ctl.reconcile(ns, 'mixed');
  expect(dpus).toEqual([]);
});
