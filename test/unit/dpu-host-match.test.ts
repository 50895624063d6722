/**
 * The serial-number match of BMC discovery and host-side node discovery
 * (model/dpu-host-match.ts), on records as node/discovery/node-record.ts
 * writes them, and the HostFound condition the match gives a DPUDevice.
 */
import { devicesJson, nodePatchFor } from '../../node/discovery/node-record';
import type { DiscoveredDevice } from '../../node/discovery/scan-sysfs';
import {
  cardsBySerial,
  DISCOVERED_DEVICES_ANNOTATION,
  hostCards,
  matchHost,
  discoveriesToRescan,
  serialKey,
  sharedSerials,
} from '../../model/dpu-host-match';
import type { DpuDeviceResource } from '../../model/resources/dpu-discovery';
import { hostFoundCondition } from '../../activities/kube/dpu-device-host';

const card = (pciAddress: string, serialNumber?: string): DiscoveredDevice => ({
  pciAddress,
  vendorId: '0x15b3',
  deviceId: '0xa2dc',
  model: 'BlueField-3',
  ...(serialNumber !== undefined ? { serialNumber } : {}),
  pfs: [{ pciAddress, netdevs: [] }],
});

/** The annotation node discovery writes for a host with these cards (its real patch). */
function recordOf(...devices: DiscoveredDevice[]): string {
  const patch = nodePatchFor({ devices, unrecognised: [] }, {});
  return patch!.annotations[DISCOVERED_DEVICES_ANNOTATION]!;
}

test('the record node discovery writes is the one the match reads, under the same annotation', () => {
  const a = recordOf(card('0000:3b:00.0', 'MT2242X00003'), card('0000:af:00.0', 'MT2242X00009'));
  expect(a).toBe(devicesJson([card('0000:3b:00.0', 'MT2242X00003'), card('0000:af:00.0', 'MT2242X00009')]));
  expect(hostCards('host-a', a)).toEqual([
    { node: 'host-a', pciAddress: '0000:3b:00.0', serialNumber: 'MT2242X00003' },
    { node: 'host-a', pciAddress: '0000:af:00.0', serialNumber: 'MT2242X00009' },
  ]);
});

test('a serial one host reports places the DPU there, compared trimmed and in any case', () => {
  const hosts = cardsBySerial([
    { name: 'host-a', annotation: recordOf(card('0000:3b:00.0', 'MT2242X00003')) },
    { name: 'host-b', annotation: recordOf(card('0000:3b:00.0', ' mt2242x00017 ')) },
    { name: 'plain', annotation: undefined },
  ]);
  expect(matchHost('MT2242X00003', hosts)).toEqual({
    kind: 'host',
    node: 'host-a',
    pciAddress: '0000:3b:00.0',
  });
  expect(matchHost('MT2242X00017', hosts)).toEqual({
    kind: 'host',
    node: 'host-b',
    pciAddress: '0000:3b:00.0',
  });
  expect(serialKey('  mt2242x00017\t')).toBe('MT2242X00017');
});

test('a serial no host reports matches none; cards without VPD serial and unreadable records give nothing', () => {
  const hosts = cardsBySerial([
    { name: 'no-vpd', annotation: recordOf(card('0000:3b:00.0')) },
    { name: 'blank', annotation: recordOf(card('0000:3b:00.0', '   ')) },
    { name: 'by-hand', annotation: 'not json' },
    { name: 'not-a-list', annotation: '{"pciAddress":"0000:3b:00.0","serialNumber":"MT2242X00021"}' },
    { name: 'nulls', annotation: '[null, 3, {"pciAddress": 7, "serialNumber": "MT2242X00021"}]' },
  ]);
  expect(hosts.size).toBe(0);
  expect(matchHost('MT2242X00021', hosts)).toEqual({ kind: 'none' });
});

test('a serial two hosts report matches neither, naming both', () => {
  const hosts = cardsBySerial([
    { name: 'host-e', annotation: recordOf(card('0000:af:00.0', 'MT2242X00025')) },
    { name: 'host-d', annotation: recordOf(card('0000:3b:00.0', 'MT2242X00025')) },
  ]);
  expect(matchHost('MT2242X00025', hosts)).toEqual({
    kind: 'several',
    hosts: [
      { node: 'host-d', pciAddress: '0000:3b:00.0' },
      { node: 'host-e', pciAddress: '0000:af:00.0' },
    ],
  });
});

test('serials several BMCs report are found, with the BMCs named', () => {
  const shared = sharedSerials([
    { serialNumber: 'MT1', address: '127.0.0.9', port: 443 },
    { serialNumber: 'MT2', address: '127.0.0.3', port: 443 },
    { serialNumber: 'mt1 ', address: '127.0.0.4', port: 443 },
  ]);
  expect([...shared]).toEqual([['MT1', ['127.0.0.4:443', '127.0.0.9:443']]]);
});

test('the HostFound condition names the serial, the hosts, and a place kept from an earlier scan', () => {
  expect(
    hostFoundCondition('MT2242X00003', {
      node: 'host-a',
      pciAddress: '0000:3b:00.0',
      match: { kind: 'host', node: 'host-a', pciAddress: '0000:3b:00.0' },
    }),
  ).toEqual({
    status: 'True',
    reason: 'SerialMatched',
    message: "host host-a reports serial MT2242X00003 at PCI 0000:3b:00.0 (node discovery's VPD record)",
  });
  const none = hostFoundCondition('MT2242X00021', { match: { kind: 'none' } });
  expect(none).toMatchObject({ status: 'False', reason: 'NoHostReportsSerial' });
  expect(none.message).toContain(
    `no Node's ${DISCOVERED_DEVICES_ANNOTATION} record holds serial MT2242X00021`,
  );
  expect(none.message).not.toContain('kept');
  const several = hostFoundCondition('MT2242X00025', {
    node: 'host-d',
    pciAddress: '0000:3b:00.0',
    match: {
      kind: 'several',
      hosts: [
        { node: 'host-d', pciAddress: '0000:3b:00.0' },
        { node: 'host-e', pciAddress: '0000:af:00.0' },
      ],
    },
  });
  expect(several).toMatchObject({ status: 'False', reason: 'SerialOnSeveralHosts' });
  expect(several.message).toContain('host-d at 0000:3b:00.0, host-e at 0000:af:00.0');
  expect(several.message).toContain('kept on host host-d at 0000:3b:00.0 from an earlier scan');
});

test("a Node's new record rescans the discoveries of the devices it can now place, and nothing once they are placed", () => {
  const dev = (serial: string, status: DpuDeviceResource['status'] = {}): DpuDeviceResource => ({
    apiVersion: 'provisioning.xpuflow.dev/v1alpha1',
    kind: 'DPUDevice',
    metadata: { name: serial.toLowerCase(), namespace: 'ns' },
    spec: { serialNumber: serial },
    status: { discovery: 'rack1', ...status },
  });
  const hostF = { name: 'host-f', annotation: recordOf(card('0000:5e:00.0', 'MT2242X00021')) };
  const unplaced = dev('MT2242X00021', {
    conditions: [
      {
        type: 'HostFound',
        status: 'False',
        reason: 'NoHostReportsSerial',
        message: '',
        lastTransitionTime: '',
      },
    ],
  });
  const other = { ...dev('MT2242X00003'), status: { discovery: 'rack2' } };
  expect(discoveriesToRescan(hostF, [unplaced, other], () => [hostF])).toEqual(['rack1']);
  // Placed there already: a Node status update rescans nothing.
  const placed = dev('MT2242X00021', {
    dpuNode: 'host-f',
    pciAddress: '0000:5e:00.0',
    conditions: [
      { type: 'HostFound', status: 'True', reason: 'SerialMatched', message: '', lastTransitionTime: '' },
    ],
  });
  expect(discoveriesToRescan(hostF, [placed], () => [hostF])).toEqual([]);
  // Another host reports the serial too: no single host, so no scan can place it.
  const hostG = { name: 'host-g', annotation: recordOf(card('0000:3b:00.0', 'MT2242X00021')) };
  expect(discoveriesToRescan(hostF, [unplaced], () => [hostF, hostG])).toEqual([]);
  // A Node whose record holds no serial of a known device reads no other Node.
  expect(
    discoveriesToRescan({ name: 'plain', annotation: recordOf(card('0000:3b:00.0')) }, [unplaced], () => {
      throw new Error('read every Node for a record with no serial');
    }),
  ).toEqual([]);
});
