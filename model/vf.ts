/**
 * Shared types of the VF flows (pod leases and VM claims): what workflows,
 * activities, the host agent, the device plugin and the CLI pass each other.
 * Pure: imported by workflow code too.
 */
import { checkPciAddress } from './validation';

/** A pod, as CNI_ARGS and the Kubernetes API name it. */
export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export function podKey(pod: PodRef): string {
  return `${pod.namespace}/${pod.name}`;
}

/** The xPU side of a lease: which DPU's OPI server, and the VLAN its port carries. */
export interface XpuSide {
  /** DPU name: the lease calls OPI on the DPU's queue (model/task-queues.ts). */
  dpu: string;
  /**
   * The DPU object's namespace on the host cluster: the queue is
   * `xpuflow-dpu-<dpu>.<namespace>`. Absent: a CLI-started DPU
   * (`xpuflow-dpu-<dpu>`), and leases started before it existed.
   */
  namespace?: string;
  /** VLAN id 1-4094 of the logical bridge the port joins (access port). */
  vlan: number;
}

export interface VfLeaseInput {
  node: string;
  pciAddress: string;
  /** Device plugin resource (xpuflow.io/<pool>), for status and the CLI. */
  resourceName: string;
  xpu: XpuSide;
  /** The MAC the pod gets (and the BridgePort is created with). */
  mac: string;
  /** Set when the claimer knows the pod (CLI, benchmark); else the first CNI ADD binds it. */
  pod?: PodRef;
  /** How long a lease may wait for its CNI ADD before it releases itself. Default 10 minutes. */
  attachTimeoutMs?: number;
}

export type VfLeasePhase = 'Reserving' | 'Reserved' | 'Attaching' | 'Attached' | 'Releasing' | 'Released';

export interface VfLeaseStatus {
  node: string;
  pciAddress: string;
  resourceName: string;
  phase: VfLeasePhase;
  pod?: PodRef;
  containerId?: string;
  bridgePort?: string;
  /** The interface in the pod (after ADD). */
  podIfname?: string;
  releaseReason?: string;
  lastError?: string;
}

/** What a CNI ADD asks of the lease (the host agent validated it already). */
export interface AttachRequest {
  pod: PodRef;
  containerId: string;
  netns: string;
  ifname: string;
  mtu?: number;
  /** CIDR addresses from IPAM (10.0.0.5/24). */
  addresses: Array<{ address: string; gateway?: string }>;
  routes: Array<{ dst: string; gw?: string }>;
}

/** What ADD did: kept by the host agent so DEL can undo it even without the lease. */
export interface AttachRecord {
  pciAddress: string;
  containerId: string;
  netns: string;
  /** The VF netdev's name in the host netns, before ADD (restored by DEL). */
  hostIfname: string;
  podIfname: string;
  originalMac: string;
  originalMtu: number;
  mac: string;
  mtu: number;
  addresses: Array<{ address: string; gateway?: string }>;
}

export interface ReleaseRequest {
  reason: string;
  /** The releaser's pod (CNI DEL): a DEL from another pod does not release the lease. */
  pod?: PodRef;
  containerId?: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function checkMac(value: string): string | undefined {
  if (typeof value !== 'string' || !MAC.test(value)) {
    return `MAC ${JSON.stringify(value)} is not six lowercase hex pairs (02:00:00:00:00:01)`;
  }
  if (parseInt(value.slice(0, 2), 16) & 1) return `MAC ${value} is a multicast address; use a unicast one`;
  return undefined;
}

export function checkVlan(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > 4094) {
    return `VLAN ${JSON.stringify(value)} must be a whole number 1-4094`;
  }
  return undefined;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function checkPod(pod: PodRef | undefined): string | undefined {
  if (!pod || typeof pod !== 'object') return 'pod must be { namespace, name }';
  if (!K8S_NAME.test(pod.namespace ?? ''))
    return `pod namespace ${JSON.stringify(pod.namespace)} is not a Kubernetes name`;
  if (!K8S_NAME.test(pod.name ?? '')) return `pod name ${JSON.stringify(pod.name)} is not a Kubernetes name`;
  return undefined;
}

export function leaseInputProblems(input: VfLeaseInput): string[] {
  if (!input || typeof input !== 'object') return ['lease input must be an object'];
  return [
    checkPciAddress(input.pciAddress),
    checkMac(input.mac),
    input.xpu ? checkVlan(input.xpu.vlan) : 'xpu must be { dpu, vlan }',
    input.pod ? checkPod(input.pod) : undefined,
  ].filter((p): p is string => p !== undefined);
}

/** A deterministic locally administered MAC for a VF on a node (the lease's default). */
export function leaseMac(node: string, pciAddress: string): string {
  let h = 2166136261;
  for (const c of `${node}/${pciAddress}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  let h2 = 5381;
  for (const c of `${pciAddress}/${node}`) h2 = (Math.imul(h2, 33) ^ c.charCodeAt(0)) >>> 0;
  const bytes = [0x02, (h >>> 24) & 0xff, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, h2 & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
