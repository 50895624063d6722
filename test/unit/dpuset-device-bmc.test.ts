/**
 * A DPUSet with a dpuDeviceSelector whose template or flavor says
 * installPath redfish gives each DPU the BMC block of its DPUDevice (address
 * and port, the scanned certificate SHA-256 as the pin, the DPUDiscovery's
 * credentials Secret); on the gnoi path its DPUs carry no BMC, as before. A
 * device that cannot give a BMC block yet gets no DPU and one Warning Event.
 * The Kube client and Temporal are fakes recording what the controller does.
 */
import type { DpuFlavorResource, DpuSetResource } from '../../model/resources/common';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../../model/resources/dpu-discovery';
import { dpuObjectName } from '../../model/resources/pci-labels';
import { discoveredDevice, fakeDpuSetController } from '../support/dpuset-controller-fake';

const ns = 'default';
const SHA = 'ab'.repeat(32);

function device(status: Partial<NonNullable<DpuDeviceResource['status']>>): DpuDeviceResource {
  const bmc = { ip: '127.0.0.7', port: 8443, certSha256: SHA };
  return discoveredDevice(
    {
      name: 'mt1',
      namespace: ns,
      labels: { rack: 'r1' },
      bmc,
      pciAddress: '0000:3b:00.0',
      node: 'host-a',
      discovery: 'rack1',
    },
    status,
  );
}

function world(opts: {
  template: DpuSetResource['spec']['dpuTemplate']['spec'];
  flavorPath?: 'gnoi' | 'redfish';
  device: DpuDeviceResource;
  discovery?: boolean;
}) {
  const set = {
    metadata: { name: 'set', namespace: ns, generation: 1, uid: 'u1' },
    spec: {
      dpuDeviceSelector: { matchLabels: { rack: 'r1' } },
      dpuTemplate: { spec: opts.template },
      strategy: { type: 'OnDelete' },
    },
  } as unknown as DpuSetResource;
  const discovery = {
    metadata: { name: 'rack1', namespace: ns },
    spec: {
      ipRangeSpec: { cidr: '127.0.0.0/28' },
      bmcCredentialsSecret: { name: 'bmc-credentials', usernameKey: 'user' },
    },
  } as unknown as DpuDiscoveryResource;
  const { ctl, dpus, events } = fakeDpuSetController({
    set,
    devices: [opts.device],
    discovery: opts.discovery !== false ? discovery : undefined,
    flavor: (_n, name) =>
      ({ metadata: { name }, spec: { installPath: opts.flavorPath } }) as unknown as DpuFlavorResource,
  });
  return { ctl, created: dpus, events };
}

const BMC = {
  address: '127.0.0.7:8443',
  certSha256: SHA,
  credentialsSecret: { name: 'bmc-credentials', usernameKey: 'user' },
};

test("template installPath redfish: the DPU carries its device's BMC block", async () => {
  const { ctl, created } = world({ template: { bfb: 'bfb-1', installPath: 'redfish' }, device: device({}) });
  await ctl.reconcile(ns, 'set');
  expect(created).toHaveLength(1);
  expect(created[0].metadata.name).toBe(dpuObjectName('host-a', '0000:3b:00.0'));
  expect(created[0].spec).toEqual({
    bfb: 'bfb-1',
    installPath: 'redfish',
    nodeName: 'host-a',
    pciAddress: '0000:3b:00.0',
    bmc: BMC,
  });
});

test("the flavor's installPath redfish: the BMC block too, the path left to the flavor", async () => {
  const { ctl, created } = world({
    template: { bfb: 'bfb-1', flavor: 'zero-trust' },
    flavorPath: 'redfish',
    device: device({}),
  });
  await ctl.reconcile(ns, 'set');
  expect(created[0].spec.bmc).toEqual(BMC);
  expect(created[0].spec.installPath).toBeUndefined();
});

test('the gnoi path (no installPath anywhere): no BMC block, as before', async () => {
  const { ctl, created } = world({ template: { bfb: 'bfb-1', flavor: 'plain' }, device: device({}) });
  await ctl.reconcile(ns, 'set');
  expect(created).toHaveLength(1);
  expect(created[0].spec.bmc).toBeUndefined();
});

test.each([
  [
    'no scanned certificate',
    { bmcCertSha256: undefined },
    true,
    /no BMC certificate SHA-256 .*status\.bmcCertSha256/,
  ],
  ['its discovery gone', {}, false, /names DPUDiscovery "rack1", which does not exist/],
])('a device with %s gets no DPU and one Warning Event naming it', async (_what, status, disc, message) => {
  const { ctl, created, events } = world({
    template: { bfb: 'bfb-1', installPath: 'redfish' },
    device: device(status),
    discovery: disc,
  });
  await ctl.reconcile(ns, 'set');
  await ctl.reconcile(ns, 'set');
  expect(created).toEqual([]);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatch(/^Warning DPUDeviceWaiting DPU .* not created yet: DPUDevice mt1 /);
  expect(events[0]).toMatch(message);
});
