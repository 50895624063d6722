/**
 * Which DPUs a DPUSet wants, by object name, and where each sits: from the
 * PCI addresses its nodes report, from the DPUDevices it selects, or (the
 * template's `installPath: auto`) from both, each DPU with its own concrete
 * install path. Pure over the lookups: no writes, no Temporal.
 */
import type * as k8s from '@kubernetes/client-node';
import { dpuObjectName, reportedPciAddresses } from '../model/resources/pci-labels';
import type { BfbResource, DpuFlavorResource, DpuResource, DpuSetResource } from '../model/resources/common';
import { matchesSelector } from '../model/resources/label-selector';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../model/resources/dpu-discovery';
import { bmcOfDevice } from '../model/dpu-device-bmc';
import type { BmcRef, InstallPath } from '../model/install-path';

export interface DpuSetLookups {
  set(namespace: string, name: string): DpuSetResource | undefined;
  dpus(namespace: string): DpuResource[];
  bfb(namespace: string, name: string): BfbResource | undefined;
  nodes(): k8s.V1Node[];
  /** The namespace's DPUDevices, or undefined while they are not known yet (for sets with a dpuDeviceSelector). */
  devices?(namespace: string): DpuDeviceResource[] | undefined;
  /** A DPUDiscovery (its BMC credentials Secret, for DPUs on the redfish path). */
  discovery?(namespace: string, name: string): DpuDiscoveryResource | undefined;
  flavor?(namespace: string, name: string): DpuFlavorResource | undefined;
}

/**
 * Where one wanted DPU sits; `bmc` when it comes from a DPUDevice and takes
 * the redfish path; `installPath` set only under a template's `auto`, where
 * each DPU names its concrete path (a DPU never carries `auto`).
 */
export interface WantedDpu {
  node: string;
  pci: string;
  bmc?: BmcRef;
  installPath?: InstallPath;
}

/**
 * One DPU per DPU the selected nodes report (no dpuDeviceSelector); with a
 * dpuDeviceSelector, one per selected DPUDevice whose host (DPUNode) and PCI
 * address discovery knows, on that host's node (which nodeSelector, when
 * set, must also match); with `installPath: auto`, the union of both, where
 * nodeSelector picks the reporting nodes only and a DPU both ways (same node
 * and PCI address, so the same object name) takes redfish: its device has a
 * BMC, which is why the operator selected it. An unreachable device stays
 * wanted: a BMC that stopped answering is no reason to delete its DPU.
 * Undefined while the DPUDevices are not known yet (wait, rather than
 * delete every DPU). `waiting` gets, by DPU name, why a selected device has
 * no DPU yet.
 */
export function wantedDpus(
  set: DpuSetResource,
  namespace: string,
  look: DpuSetLookups,
  waiting: Map<string, string>,
): Map<string, WantedDpu> | undefined {
  const path = set.spec.dpuTemplate.spec.installPath;
  if (!set.spec.dpuDeviceSelector) return reportedDpus(set, look);
  const devices = look.devices?.(namespace);
  if (!devices) return undefined;
  if (path !== 'auto')
    return deviceDpus(set, namespace, look, devices, takesRedfish(set, namespace, look), waiting);

  const wanted = new Map<string, WantedDpu>();
  for (const [name, at] of reportedDpus(set, look)) wanted.set(name, { ...at, installPath: 'gnoi' });
  const viaBmc = deviceDpus(set, namespace, look, devices, true, waiting, { nodeSelector: false });
  // A device waiting for its BMC block holds back its DPU on the gnoi path too: made through DMS now,
  // it would keep that path once the block arrives (the set never changes an existing DPU's path).
  for (const name of waiting.keys()) wanted.delete(name);
  for (const [name, at] of viaBmc) wanted.set(name, { ...at, installPath: 'redfish' });
  return wanted;
}

/** One DPU per PCI address the nodes matching nodeSelector report (their labels). */
function reportedDpus(set: DpuSetResource, look: DpuSetLookups): Map<string, WantedDpu> {
  const wanted = new Map<string, WantedDpu>();
  for (const node of look.nodes()) {
    if (!matchesSelector(set.spec.nodeSelector, node.metadata?.labels)) continue;
    for (const pci of reportedPciAddresses(node.metadata?.labels)) {
      wanted.set(dpuObjectName(node.metadata!.name!, pci), { node: node.metadata!.name!, pci });
    }
  }
  return wanted;
}

/** One DPU per selected, placed DPUDevice; on the redfish path each with its device's BMC block. */
function deviceDpus(
  set: DpuSetResource,
  namespace: string,
  look: DpuSetLookups,
  devices: DpuDeviceResource[],
  redfish: boolean,
  waiting: Map<string, string>,
  opts: { nodeSelector: boolean } = { nodeSelector: true },
): Map<string, WantedDpu> {
  const wanted = new Map<string, WantedDpu>();
  const nodes = new Map(look.nodes().map((n) => [n.metadata?.name, n]));
  for (const d of devices) {
    const node = d.status?.dpuNode;
    const pci = d.status?.pciAddress;
    if (!node || !pci || !matchesSelector(set.spec.dpuDeviceSelector, d.metadata.labels)) continue;
    if (
      opts.nodeSelector &&
      set.spec.nodeSelector &&
      !matchesSelector(set.spec.nodeSelector, nodes.get(node)?.metadata?.labels)
    )
      continue;
    const name = dpuObjectName(node, pci);
    if (!redfish) {
      wanted.set(name, { node, pci });
      continue;
    }
    const discovery = d.status?.discovery ? look.discovery?.(namespace, d.status.discovery) : undefined;
    const made = bmcOfDevice(d, discovery);
    // A device without its BMC block yet is not wanted (no DPU that could not reach its BMC); kept ones stay.
    if ('problem' in made) {
      if (look.dpus(namespace).some((x) => x.metadata.name === name)) wanted.set(name, { node, pci });
      else waiting.set(name, made.problem);
      continue;
    }
    wanted.set(name, { node, pci, bmc: made.bmc });
  }
  return wanted;
}

/** Whether the set's template, or else its flavor, says installPath redfish. */
function takesRedfish(set: DpuSetResource, namespace: string, look: DpuSetLookups): boolean {
  const t = set.spec.dpuTemplate.spec;
  const path = t.installPath ?? (t.flavor ? look.flavor?.(namespace, t.flavor)?.spec.installPath : undefined);
  return path === 'redfish';
}
