/**
 * Node discovery: a host node reports its DPUs through labels, one per DPU,
 * `dpu.xpuflow.dev/pci-address-<n>: 0000-03-00.0` (label values cannot hold
 * ':' so the PCI address's colons are written as '-').
 */
export const PCI_LABEL_PREFIX = 'dpu.xpuflow.dev/pci-address-';

export function pciToLabelValue(pci: string): string {
  return pci.toLowerCase().replace(/:/g, '-');
}

export function labelValueToPci(value: string): string | undefined {
  const m = /^([0-9a-f]{4})-([0-9a-f]{2})-([0-9a-f]{2})\.([0-7])$/i.exec(value);
  return m ? `${m[1]}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase() : undefined;
}

/** The PCI addresses a node reports, in label order (pci-address-0, -1, …). */
export function reportedPciAddresses(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {})
    .filter(([k]) => k.startsWith(PCI_LABEL_PREFIX))
    .sort(([a], [b]) => Number(a.slice(PCI_LABEL_PREFIX.length)) - Number(b.slice(PCI_LABEL_PREFIX.length)))
    .map(([, v]) => labelValueToPci(v))
    .filter((p): p is string => p !== undefined);
}

/** The DPU object a DPUSet makes for one PCI address on one node: `<node>-<bus>-<dev>-<fn>`. */
export function dpuObjectName(node: string, pci: string): string {
  const [, bus, devfn] = pci.toLowerCase().split(':');
  return `${node}-${bus}-${devfn.replace('.', '-')}`;
}
