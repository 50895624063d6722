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
 *
 * A card that vanishes keeps its label for `removeAfterMs` (its record says
 * `missingSince`): a BlueField's host functions can drop off the bus while
 * its firmware resets or the DPU reboots, and a label removed then would
 * make its DPUSet delete the DPU mid-provisioning. The time is kept in the
 * annotation, so a restarted worker keeps counting.
 */
import { PCI_LABEL_PREFIX, labelValueToPci, pciToLabelValue } from '../../model/resources/pci-labels';
import {
  DISCOVERED_DEVICES_ANNOTATION,
  discoveredDeviceEntries,
} from '../../model/discovered-devices-record';
import type { DiscoveredDevice, SysfsScan, UnrecognisedDevice } from './scan-sysfs';

// BMC discovery reads the record to find each DPU's host by its serial (model/dpu-host-match.ts).
export { DISCOVERED_DEVICES_ANNOTATION };
export const UNRECOGNISED_DEVICES_ANNOTATION = 'dpu.xpuflow.dev/unrecognised-devices';

/** A card in the record: what the last scan that saw it found, and since when it is gone. */
export type RecordedDevice = DiscoveredDevice & { missingSince?: string };

export interface NodeMetadataPatch {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
}

/** The JSON each annotation holds, in address order so an unchanged host writes nothing. */
export function devicesJson(devices: readonly RecordedDevice[]): string {
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
  removal: { now: Date; removeAfterMs: number } = { now: new Date(), removeAfterMs: 0 },
): NodeMetadataPatch | undefined {
  const labels = current.labels ?? {};
  const annotations = current.annotations ?? {};
  const record = recordedDevices(annotations[DISCOVERED_DEVICES_ANNOTATION]);
  const seen = new Set(scan.devices.map((d) => d.pciAddress));
  const missing: RecordedDevice[] = [];
  for (const d of record) {
    if (seen.has(d.pciAddress)) continue;
    const since = d.missingSince ?? removal.now.toISOString();
    if (removal.now.getTime() - Date.parse(since) < removal.removeAfterMs)
      missing.push({ ...d, missingSince: since });
  }
  const devices: RecordedDevice[] = [...scan.devices, ...missing];
  const wanted = new Set(devices.map((d) => d.pciAddress));
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
  setIfChanged(patch.annotations, annotations, DISCOVERED_DEVICES_ANNOTATION, devicesJson(devices));
  setIfChanged(
    patch.annotations,
    annotations,
    UNRECOGNISED_DEVICES_ANNOTATION,
    scan.unrecognised.length ? unrecognisedJson(scan.unrecognised) : null,
  );
  const changes = Object.keys(patch.labels).length + Object.keys(patch.annotations).length;
  return changes ? patch : undefined;
}

/** The record as the last pass wrote it; nothing when absent or not a list someone could have written. */
function recordedDevices(annotation: string | undefined): RecordedDevice[] {
  // Not JSON or not a list (written by hand): this pass replaces it with what it finds.
  const entries: Array<Partial<RecordedDevice>> = discoveredDeviceEntries(annotation);
  return entries.filter(
    (d): d is RecordedDevice =>
      typeof d.pciAddress === 'string' &&
      (d.missingSince === undefined || !Number.isNaN(Date.parse(d.missingSince))),
  );
}

function setIfChanged(
  out: Record<string, string | null>,
  current: Record<string, string>,
  key: string,
  value: string | null,
): void {
  if ((current[key] ?? null) !== value) out[key] = value;
}
