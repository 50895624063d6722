/**
 * Node discovery's pure parts against a simulated sysfs tree: which functions
 * are DPUs, what the VPD says, and the Node patch a scan makes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseVpd } from '../../node/discovery/vpd';
import { parseXpuId, xpuIdTable } from '../../node/discovery/pci-ids';
import { scanSysfs } from '../../node/discovery/scan-sysfs';
import {
  DISCOVERED_DEVICES_ANNOTATION,
  UNRECOGNISED_DEVICES_ANNOTATION,
  nodePatchFor,
  type RecordedDevice,
} from '../../node/discovery/node-record';
import { createSysfsTree, startSimKernel, unplugPciFunction } from '../../sim/sysfs';
import { encodeVpd } from '../../sim/sysfs/vpd';
import {
  discoveryIntervalMs,
  parseDiscoveryInterval,
  startHostDiscoveries,
} from '../../workers/host/discovery';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));
function tmpRoot(): string {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-disc-'));
  roots.push(r);
  return r;
}

test('VPD: product name, part and serial number read back; the checksum makes the sum zero', () => {
  const buf = encodeVpd({
    productName: 'BlueField-3 B3220 P-Series',
    partNumber: '900-9D3B6-00CV-AA0',
    serialNumber: 'MT2410X00042',
  });
  const rvEnd = buf.length - 1; // the end tag follows the checksum byte
  expect([...buf.subarray(0, rvEnd)].reduce((a, b) => (a + b) & 0xff, 0)).toBe(0);
  expect(parseVpd(buf)).toEqual({
    productName: 'BlueField-3 B3220 P-Series',
    partNumber: '900-9D3B6-00CV-AA0',
    serialNumber: 'MT2410X00042',
  });
  // Cut short: what came before the cut, no exception.
  expect(parseVpd(buf.subarray(0, 10))).toEqual({});
  expect(parseVpd(Buffer.from([0x82, 3, 0, 0x41, 0x42, 0x43, 0x90, 0xff]))).toEqual({ productName: 'ABC' });
});

test('xPU IDs: VENDOR:DEVICE=MODEL, anything else refused naming it', () => {
  expect(parseXpuId('0x15B3:0xA2DF=BlueField-4')).toEqual({
    vendor: '0x15b3',
    device: '0xa2df',
    model: 'BlueField-4',
  });
  expect(() => parseXpuId('15b3:a2df')).toThrow(/"15b3:a2df" is not VENDOR:DEVICE=MODEL/);
  expect(() => parseXpuId('0x15b3:0xa2df=')).toThrow(/is not VENDOR:DEVICE=MODEL/);
  expect(xpuIdTable().map((i) => `${i.device}=${i.model}`)).toEqual([
    '0xa2d6=BlueField-2',
    '0xa2dc=BlueField-3',
  ]);
});

test('scan: a two-PF BlueField-2 is one DPU named by PF0; VFs, ConnectX NICs and non-Mellanox devices are not DPUs; an unknown 0xa2xx is unrecognised', async () => {
  const root = tmpRoot();
  createSysfsTree(root, {
    pfs: [
      {
        pciAddress: '0000:03:00.0',
        totalVfs: 4,
        vfOffset: 2,
        vpd: { productName: 'BlueField-2 DPU 25GbE', serialNumber: 'MT2049X12345' },
      },
      { pciAddress: '0000:03:00.1', totalVfs: 4, vfOffset: 5 },
      { pciAddress: '0000:04:00.0', totalVfs: 0, device: '0xa2dc', ifname: 'ens4f0np0' },
      { pciAddress: '0000:05:00.0', totalVfs: 8, device: '0x101d' }, // ConnectX-6 Dx NIC
      { pciAddress: '0000:06:00.0', totalVfs: 0, vendor: '0x8086', device: '0xa2d6' }, // same ID, other vendor
      { pciAddress: '0000:07:00.0', totalVfs: 0, device: '0xa2df' }, // BlueField-4, not configured
      // BlueField(-1): PF 0xa2d2, VFs 0xa2d3 (Linux mlx5_core_pci_table), neither configured.
      { pciAddress: '0000:08:00.0', totalVfs: 2, device: '0xa2d2', vfDevice: '0xa2d3' },
    ],
  });
  // Its VFs (with a physfn link) are not reported; only the PF is.
  const kernel = startSimKernel(root, { persistent: false });
  try {
    const made = kernel.waitForEvent((e) => e.kind === 'numvfs' && e.pf === '0000:08:00.0' && e.to === 2);
    fs.writeFileSync(path.join(root, 'bus/pci/devices/0000:08:00.0/sriov_numvfs'), '2');
    await made;
  } finally {
    await kernel.stop();
  }
  expect(fs.readFileSync(path.join(root, 'bus/pci/devices/0000:08:00.1/device'), 'utf8').trim()).toBe(
    '0xa2d3',
  );
  const scan = scanSysfs(root, xpuIdTable());
  expect(scan.devices).toEqual([
    {
      pciAddress: '0000:03:00.0',
      vendorId: '0x15b3',
      deviceId: '0xa2d6',
      model: 'BlueField-2',
      productName: 'BlueField-2 DPU 25GbE',
      serialNumber: 'MT2049X12345',
      pfs: [
        { pciAddress: '0000:03:00.0', netdevs: ['enp3s0f0'] },
        { pciAddress: '0000:03:00.1', netdevs: ['enp3s0f1'] },
      ],
    },
    {
      pciAddress: '0000:04:00.0',
      vendorId: '0x15b3',
      deviceId: '0xa2dc',
      model: 'BlueField-3',
      pfs: [{ pciAddress: '0000:04:00.0', netdevs: ['ens4f0np0'] }],
    },
  ]);
  expect(scan.unrecognised).toEqual([
    { pciAddress: '0000:07:00.0', vendorId: '0x15b3', deviceId: '0xa2df' },
    { pciAddress: '0000:08:00.0', vendorId: '0x15b3', deviceId: '0xa2d2' },
  ]);
  // Configured, it is a DPU.
  const withBf4 = scanSysfs(root, xpuIdTable([parseXpuId('0x15b3:0xa2df=BlueField-4')]));
  expect(withBf4.devices.map((d) => `${d.pciAddress} ${d.model}`)).toContain('0000:07:00.0 BlueField-4');
  expect(withBf4.unrecognised.map((u) => u.pciAddress)).toEqual(['0000:08:00.0']);
  // Pulled out: gone from the scan, VFs and all.
  unplugPciFunction(root, '0000:03:00.0');
  unplugPciFunction(root, '0000:03:00.1');
  expect(scanSysfs(root, xpuIdTable()).devices.map((d) => d.pciAddress)).toEqual(['0000:04:00.0']);
  expect(fs.readdirSync(path.join(root, 'bus/pci/devices')).filter((a) => a.startsWith('0000:03'))).toEqual(
    [],
  );
});

test('a sysfs root without bus/pci/devices is refused naming the folder', () => {
  expect(() => scanSysfs('/nonexistent-sys', xpuIdTable())).toThrow(
    /cannot list PCI devices in \/nonexistent-sys\/bus\/pci\/devices: .*is --sysfs-root the host's \/sys\?/,
  );
});

describe('the Node patch', () => {
  const dev = (pciAddress: string) => ({
    pciAddress,
    vendorId: '0x15b3',
    deviceId: '0xa2d6',
    model: 'BlueField-2',
    pfs: [{ pciAddress, netdevs: [] }],
  });

  test('a card that stays keeps its number, a new one takes the lowest free, a gone one and a foreign one are removed; other labels untouched', () => {
    const patch = nodePatchFor(
      { devices: [dev('0000:04:00.0'), dev('0000:08:00.0')], unrecognised: [] },
      {
        labels: {
          'dpu.xpuflow.dev/pci-address-0': '0000-03-00.0', // gone
          'dpu.xpuflow.dev/pci-address-1': '0000-04-00.0', // stays
          'dpu.xpuflow.dev/pci-address-x': 'junk', // not ours to keep
          rack: 'r1',
        },
      },
    );
    expect(patch?.labels).toEqual({
      'dpu.xpuflow.dev/pci-address-0': '0000-08-00.0',
      'dpu.xpuflow.dev/pci-address-x': null,
    });
    expect(JSON.parse(patch!.annotations[DISCOVERED_DEVICES_ANNOTATION]!)).toHaveLength(2);
    expect(patch!.annotations).not.toHaveProperty(UNRECOGNISED_DEVICES_ANNOTATION);
  });

  test('a vanished card keeps its label for removeAfterMs, counted from the missingSince in the record', () => {
    const t0 = new Date('2026-12-01T10:00:00Z');
    const labels = { 'dpu.xpuflow.dev/pci-address-0': '0000-03-00.0' };
    const before = {
      labels,
      annotations: { [DISCOVERED_DEVICES_ANNOTATION]: JSON.stringify([dev('0000:03:00.0')]) },
    };
    const empty = { devices: [], unrecognised: [] };
    const first = nodePatchFor(empty, before, { now: t0, removeAfterMs: 60_000 })!;
    expect(first.labels).toEqual({});
    const recorded = JSON.parse(first.annotations[DISCOVERED_DEVICES_ANNOTATION]!) as RecordedDevice[];
    expect(recorded).toEqual([{ ...dev('0000:03:00.0'), missingSince: '2026-12-01T10:00:00.000Z' }]);
    const after = {
      labels,
      annotations: { [DISCOVERED_DEVICES_ANNOTATION]: first.annotations[DISCOVERED_DEVICES_ANNOTATION]! },
    };
    // 59 s later: nothing changes (missingSince is kept, not reset).
    expect(
      nodePatchFor(empty, after, { now: new Date(t0.getTime() + 59_000), removeAfterMs: 60_000 }),
    ).toBeUndefined();
    // 60 s later: the label and the record go.
    const last = nodePatchFor(empty, after, { now: new Date(t0.getTime() + 60_000), removeAfterMs: 60_000 })!;
    expect(last.labels).toEqual({ 'dpu.xpuflow.dev/pci-address-0': null });
    expect(last.annotations[DISCOVERED_DEVICES_ANNOTATION]).toBe('[]');
  });

  test('nothing to write when the Node already says it; the unrecognised record goes when they do', () => {
    const scan = { devices: [dev('0000:04:00.0')], unrecognised: [] };
    const first = nodePatchFor(scan, {
      annotations: { [UNRECOGNISED_DEVICES_ANNOTATION]: '[]' },
    })!;
    expect(first.annotations[UNRECOGNISED_DEVICES_ANNOTATION]).toBeNull();
    const labels = Object.fromEntries(
      Object.entries(first.labels).filter((e): e is [string, string] => e[1] !== null),
    );
    const annotations = {
      [DISCOVERED_DEVICES_ANNOTATION]: first.annotations[DISCOVERED_DEVICES_ANNOTATION]!,
    };
    expect(nodePatchFor(scan, { labels, annotations })).toBeUndefined();
  });
});

test('--discovery-interval: seconds (fractions allowed), 0 is off, anything else refused naming it', () => {
  expect(parseDiscoveryInterval(undefined)).toBeUndefined();
  expect(discoveryIntervalMs({})).toBe(30_000);
  expect(discoveryIntervalMs({ intervalSeconds: parseDiscoveryInterval('0.5') })).toBe(500);
  expect(discoveryIntervalMs({ intervalSeconds: parseDiscoveryInterval('0') })).toBe(0);
  expect(() => parseDiscoveryInterval('30s')).toThrow(
    '--discovery-interval "30s" is not a number of seconds >= 0 (0 turns discovery off)',
  );
  expect(() => parseDiscoveryInterval('-1')).toThrow(/"-1" is not a number of seconds/);
  // A bad --xpu-id stops the worker at start, cluster or not.
  expect(() =>
    startHostDiscoveries(
      [{ node: 'h1', sysfsRoot: '/sys', discovery: { xpuIds: ['bf4'] } }],
      () => undefined,
    ),
  ).toThrow(/xPU ID "bf4" is not VENDOR:DEVICE=MODEL/);
  // Off: the cluster settings are not even read (a bad XPUFLOW_KUBECONFIG cannot stop the worker).
  const asked = jest.fn(() => undefined);
  expect(
    startHostDiscoveries([{ node: 'h1', sysfsRoot: '/sys', discovery: { intervalSeconds: 0 } }], asked),
  ).toEqual([]);
  expect(asked).not.toHaveBeenCalled();
});
