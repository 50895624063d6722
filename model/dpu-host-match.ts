/**
 * Which host a DPU found through its BMC sits in, by its serial number. A
 * BlueField BMC does not report its DPU's host (DMTF's ComputerSystem and
 * Chassis have no property for it), but both sides know the card's serial:
 * the BMC in its Chassis `SerialNumber` (activities/redfish/discovery/probe-bmc.ts),
 * the host in the card's PCI VPD `SN` keyword, which host-side node
 * discovery (node/discovery) records per card in the Node's
 * `dpu.xpuflow.dev/discovered-devices` annotation. DPF's own crawler makes a
 * DPUNode per serial without a host (`dpu-node-<serial>`,
 * NVIDIA/doca-platform internal/provisioning/controllers/dpu/discovery/crawler.go
 * @ 2a41aed97200264ca110ffbc8b8ed94f5bd01405); xpuflow joins the two records.
 *
 * Pure: the Nodes' annotations in, a match per serial out.
 */
import { dpuNodeName } from './dpu-discovery-api';
import { DISCOVERED_DEVICES_ANNOTATION, discoveredDeviceEntries } from './discovered-devices-record';
import { HOST_FOUND_CONDITION, type DpuDeviceResource } from './resources/dpu-discovery';

// On a Node: what host-side discovery found there (node/discovery/node-record.ts writes it).
export { DISCOVERED_DEVICES_ANNOTATION };

/** A card a host reports: where it sits, and its VPD serial. */
export interface HostCard {
  node: string;
  pciAddress: string;
  serialNumber: string;
}

/** Where a serial sits: one host, none, or several (two hosts cannot hold one card). */
export type HostMatch =
  | { kind: 'host'; node: string; pciAddress: string }
  | { kind: 'none' }
  | { kind: 'several'; hosts: Array<{ node: string; pciAddress: string }> };

/**
 * The form both sides are compared in: the VPD field and the Redfish
 * property are text a vendor pads (DPF trims the Chassis SerialNumber,
 * crawler.go above), and a serial names the same card in either case.
 */
export function serialKey(serial: string): string {
  return serial.trim().toUpperCase();
}

/**
 * The cards with a serial in one Node's record. A record that is not JSON
 * or not a list (written by hand) gives none: its host is then not
 * matched, and the DPUDevices say which serial no host reports.
 */
export function hostCards(node: string, annotation: string | undefined): HostCard[] {
  const out: HostCard[] = [];
  for (const d of discoveredDeviceEntries(annotation)) {
    if (typeof d.pciAddress !== 'string' || typeof d.serialNumber !== 'string') continue;
    if (!serialKey(d.serialNumber)) continue;
    out.push({ node, pciAddress: d.pciAddress, serialNumber: d.serialNumber });
  }
  return out;
}

/** Every host card, indexed by serial key. */
export function cardsBySerial(
  nodes: ReadonlyArray<{ name: string; annotation: string | undefined }>,
): Map<string, HostCard[]> {
  const bySerial = new Map<string, HostCard[]>();
  for (const n of nodes)
    for (const c of hostCards(n.name, n.annotation)) {
      const key = serialKey(c.serialNumber);
      bySerial.set(key, [...(bySerial.get(key) ?? []), c]);
    }
  return bySerial;
}

/** The host of one serial, given every host's cards. */
export function matchHost(serial: string, bySerial: ReadonlyMap<string, HostCard[]>): HostMatch {
  const cards = bySerial.get(serialKey(serial)) ?? [];
  const hosts = [...new Map(cards.map((c) => [`${c.node} ${c.pciAddress}`, c])).values()]
    .map((c) => ({ node: c.node, pciAddress: c.pciAddress }))
    .sort((a, b) => a.node.localeCompare(b.node) || a.pciAddress.localeCompare(b.pciAddress));
  if (hosts.length === 0) return { kind: 'none' };
  if (hosts.length === 1) return { kind: 'host', ...hosts[0] };
  return { kind: 'several', hosts };
}

/** The serials several BMCs report (one card has one BMC): serial key → the BMCs' `address:port`, sorted. */
export function sharedSerials(
  bmcs: ReadonlyArray<{ serialNumber: string; address: string; port: number }>,
): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const b of bmcs) {
    const key = serialKey(b.serialNumber);
    by.set(key, [...(by.get(key) ?? []), `${b.address}:${b.port}`]);
  }
  return new Map([...by].filter(([, where]) => where.length > 1).map(([k, w]) => [k, w.sort()]));
}

/**
 * The DPUDiscoveries to scan again because a Node's record changed: those
 * with a DPUDevice whose serial this Node reports and that is not yet
 * placed there, when all hosts' records together now give that serial one
 * host. A scan places it (activities/kube/dpu-discovery.ts), after which
 * this gives nothing for it: a Node's many status updates do not rescan.
 * Only the changed Node's cards are read first; every record only when one
 * of them names an unplaced device.
 */
export function discoveriesToRescan(
  changed: { name: string; annotation: string | undefined },
  devices: ReadonlyArray<DpuDeviceResource>,
  allNodes: () => ReadonlyArray<{ name: string; annotation: string | undefined }>,
): string[] {
  const cards = hostCards(changed.name, changed.annotation);
  if (!cards.length) return [];
  const here = new Map(cards.map((c) => [serialKey(c.serialNumber), c]));
  const waiting = devices.filter((d) => {
    const c = here.get(serialKey(d.spec.serialNumber ?? ''));
    if (!c || !d.status?.discovery) return false;
    const placed = d.status.dpuNode === dpuNodeName(c.node) && d.status.pciAddress === c.pciAddress;
    const found = d.status.conditions?.find((x) => x.type === HOST_FOUND_CONDITION)?.status === 'True';
    return !(placed && found);
  });
  if (!waiting.length) return [];
  const bySerial = cardsBySerial(allNodes());
  const out = new Set<string>();
  for (const d of waiting)
    if (matchHost(d.spec.serialNumber, bySerial).kind === 'host') out.add(d.status!.discovery!);
  return [...out].sort();
}
