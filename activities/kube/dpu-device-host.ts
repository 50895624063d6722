/**
 * Where BMC discovery places a DPUDevice (activities/kube/dpu-discovery.ts):
 * the hosts' node-discovery records read from their Nodes, and the
 * HostFound condition a serial's match gives the device.
 */
import type { Kube } from '../../platform/kube/client';
import {
  cardsBySerial,
  DISCOVERED_DEVICES_ANNOTATION,
  type HostCard,
  type HostMatch,
} from '../../model/dpu-host-match';

/** Where a device is placed: its host's Kubernetes node and its PCI address there, or nowhere yet. */
export interface Placement {
  node?: string;
  pciAddress?: string;
  match: HostMatch;
}

/** The HostFound condition a match gives (placement kept from an earlier scan named). */
export function hostFoundCondition(
  serial: string,
  p: Placement,
): { status: 'True' | 'False'; reason: string; message: string } {
  const kept = p.node ? ` (kept on host ${p.node} at ${p.pciAddress} from an earlier scan)` : '';
  if (p.match.kind === 'host')
    return {
      status: 'True',
      reason: 'SerialMatched',
      message: `host ${p.match.node} reports serial ${serial} at PCI ${p.match.pciAddress} (node discovery's VPD record)`,
    };
  if (p.match.kind === 'several')
    return {
      status: 'False',
      reason: 'SerialOnSeveralHosts',
      message:
        `serial ${serial} is reported by several hosts: ` +
        p.match.hosts.map((h) => `${h.node} at ${h.pciAddress}`).join(', ') +
        `; one card sits in one host, so none is taken${kept}: check the VPD serials of those cards`,
    };
  return {
    status: 'False',
    reason: 'NoHostReportsSerial',
    message:
      `no Node's ${DISCOVERED_DEVICES_ANNOTATION} record holds serial ${serial}, so this DPU has no DPUNode${kept}: ` +
      `run the host worker's node discovery on the DPU's host (chart: hostWorker.discovery) and check that the card's VPD serial reads ${serial}`,
  };
}

/** Every host card with a serial, as the hosts' node discovery recorded them on their Nodes. */
export async function hostRecords(k: Kube): Promise<Map<string, HostCard[]>> {
  const list = await k.core.listNode();
  return cardsBySerial(
    list.items.map((n) => ({
      name: n.metadata?.name ?? '',
      annotation: n.metadata?.annotations?.[DISCOVERED_DEVICES_ANNOTATION],
    })),
  );
}
