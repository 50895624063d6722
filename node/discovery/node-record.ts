/**
 * What a scan means for the Node: one `dpu.xpuflow.dev/pci-address-<n>` label
 * per DPU (the labels DPUSets select on), the record of each card in the
 * `dpu.xpuflow.dev/discovered-devices` annotation (JSON), and the Mellanox
 * functions no ID list knows in `dpu.xpuflow.dev/unrecognised-devices`.
 *
 * Discovery owns every label with the pci-address prefix: one it did not
 * write is replaced. A card that stays keeps its label number; a new card
 * takes the lowest free one. The patch is a JSON merge patch (RFC 7386)
 * naming only these keys, so every other label and annotation is left alone.
 */
import { PCI_LABEL_PREFIX, labelValueToPci, pciToLabelValue } from '../../model/resources/pci-labels';
import type { DiscoveredDevice, SysfsScan, UnrecognisedDevice } from './scan-sysfs';

export const DISCOVERED_DEVICES_ANNOTATION = 'dpu.xpuflow.dev/discovered-devices';
export const UNRECOGNISED_DEVICES_ANNOTATION = 'dpu.xpuflow.dev/unrecognised-devices';

export interface NodeMetadataPatch {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
}

/** The JSON each annotation holds, in address order so an unchanged host writes nothing. */
export function devicesJson(devices: readonly DiscoveredDevice[]): string {
  return JSON.stringify([...devices].sort((a, b) => a.pciAddress.localeCompare(b.pciAddress)));
}

export function unrecognisedJson(devices: readonly UnrecognisedDevice[]): string {
  return JSON.stringify([...devices].sort((a, b) => a.pciAddress.localeCompare(b.pciAddress)));
}

/**
 * The merge patch that makes the Node's labels and annotations say what the
 * scan found; undefined when they already do.
 */
export function nodePatchFor(
  scan: SysfsScan,
  current: { labels?: Record<string, string>; annotations?: Record<string, string> },
): NodeMetadataPatch | undefined {
  const labels = current.labels ?? {};
  const annotations = current.annotations ?? {};
  const wanted = new Set(scan.devices.map((d) => d.pciAddress));
  const patch: NodeMetadataPatch = { labels: {}, annotations: {} };
  const kept = new Set<string>();
  const taken = new Set<number>();
  for (const [key, value] of Object.entries(labels)) {
    if (!key.startsWith(PCI_LABEL_PREFIX)) continue;
    const n = key.slice(PCI_LABEL_PREFIX.length);
    const pci = labelValueToPci(value);
    if (/^(0|[1-9][0-9]*)$/.test(n) && pci && wanted.has(pci) && !kept.has(pci)) {
      kept.add(pci);
      taken.add(Number(n));
    } else {
      patch.labels[key] = null;
    }
  }
  let next = 0;
  for (const pci of [...wanted].sort()) {
    if (kept.has(pci)) continue;
    while (taken.has(next)) next++;
    taken.add(next);
    patch.labels[`${PCI_LABEL_PREFIX}${next}`] = pciToLabelValue(pci);
  }
  setIfChanged(patch.annotations, annotations, DISCOVERED_DEVICES_ANNOTATION, devicesJson(scan.devices));
  setIfChanged(
    patch.annotations,
    annotations,
    UNRECOGNISED_DEVICES_ANNOTATION,
    scan.unrecognised.length ? unrecognisedJson(scan.unrecognised) : null,
  );
  const changes = Object.keys(patch.labels).length + Object.keys(patch.annotations).length;
  return changes ? patch : undefined;
}

function setIfChanged(
  out: Record<string, string | null>,
  current: Record<string, string>,
  key: string,
  value: string | null,
): void {
  if ((current[key] ?? null) !== value) out[key] = value;
}
