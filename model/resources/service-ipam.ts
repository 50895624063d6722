/**
 * DPUServiceIPAM and DPUServiceNAD (group provisioning.xpuflow.dev,
 * v1alpha1), after DPF's (NVIDIA/doca-platform
 * api/dpuservice/v1alpha1/dpuserviceipam_types.go @ce08828fdc076a64a189bb01d684a771b9304cc9,
 * dpuservicenad_types.go @6acfda03356adceb17657555ce4ecca01f6bb32c). The
 * schemas with their CEL rules live in charts/xpuflow/crds/.
 *
 * Where xpuflow differs from DPF: IPv6 pools (ipv6Network, ipv6Subnet, the
 * same shapes as DPF's IPv4 ones); DPU nodes are picked by a dpuSelector over
 * DPU objects (each DPU's node in its DPU cluster is model/dpu-cluster-node.ts),
 * not a NodeSelector; xpuflow allocates itself and records every node's block
 * and every interface's address in status (DPF hands the pool to
 * nvidia-k8s-ipam's IPPool/CIDRPool in the DPU cluster); a DPUServiceNAD
 * names its DPUServiceIPAM (DPF's `ipam` is a bool).
 */
import type { KubeCondition, LabelSelector, Resource } from './common';

/** A network split into one subnet per DPU node, each with its own gateway (DPF's IPV4Network; nvidia-k8s-ipam's CIDRPool). */
export interface IpamNetwork {
  network: string;
  /** The prefix length of each node's subnet. */
  prefixSize: number;
  /** Which address of each node's subnet is its gateway (none: every address is handed out, for /31 and /127). */
  gatewayIndex?: number;
  defaultGateway?: boolean;
}

/** One subnet whose addresses are split into a block per DPU node, one gateway for all (DPF's IPV4Subnet; nvidia-k8s-ipam's IPPool). */
export interface IpamSubnet {
  subnet: string;
  gateway: string;
  perNodeIPCount: number;
  defaultGateway?: boolean;
}

export interface DpuServiceIpamSpec {
  ipv4Network?: IpamNetwork;
  ipv4Subnet?: IpamSubnet;
  ipv6Network?: IpamNetwork;
  ipv6Subnet?: IpamSubnet;
  /** The DPUs (by their labels) whose DPU-cluster nodes get a block; empty selects every DPU in the namespace. */
  dpuSelector?: LabelSelector;
}

/** A DPU node's share of the pool. */
export interface IpamNodeBlock {
  node: string;
  dpu: string;
  /** `10.0.1.0/28` (network mode) or `10.0.0.9-10.0.0.16` (subnet mode). */
  block: string;
  gateway?: string;
}

/** One address handed to one DPUServiceInterface on one DPU node. */
export interface IpamAllocation {
  interface: string;
  /** The interface object's UID: a new object of the same name gets its own address. */
  uid: string;
  node: string;
  /** With its prefix length, as CNI takes it: `10.0.1.2/28`. */
  address: string;
}

export interface DpuServiceIpamStatus {
  observedGeneration?: number;
  conditions?: KubeCondition[];
  nodes?: IpamNodeBlock[];
  allocations?: IpamAllocation[];
}

export type DpuServiceIpamResource = Resource<DpuServiceIpamSpec, DpuServiceIpamStatus>;

/** An interface's addresses, one row per DPU it is on (written by the IPAM controller). */
export interface InterfaceAddress {
  dpu: string;
  node: string;
  ipam: string;
  address?: string;
  gateway?: string;
  /** Why there is no address. */
  message?: string;
}

export type NadResourceType = 'vf' | 'sf' | 'veth';

export interface DpuServiceNadSpec {
  resourceType: NadResourceType;
  /** The OVS bridge of the CNI config (default br-sfc). */
  bridge?: string;
  serviceMTU?: number;
  /** A DPUServiceIPAM in the same namespace whose addresses the attachment carries. */
  ipam?: string;
  /** Which DPUClusters get the NetworkAttachmentDefinition (empty: every one in the namespace). */
  dpuClusterSelector?: LabelSelector;
}

export interface DpuServiceNadStatus {
  observedGeneration?: number;
  conditions?: KubeCondition[];
  /** DPUClusters the NetworkAttachmentDefinition was written to. */
  dpuClusters?: string[];
}

export type DpuServiceNadResource = Resource<DpuServiceNadSpec, DpuServiceNadStatus>;

/**
 * Kept on a DPUServiceIPAM while any DPUServiceInterface holds an address
 * from it: deleting the pool under them would let the next pool hand the
 * same addresses out twice.
 */
export const IPAM_FINALIZER = 'provisioning.xpuflow.dev/addresses-in-use';

/** Kept on a DPUServiceNAD until its NetworkAttachmentDefinitions are gone from the DPU clusters. */
export const NAD_FINALIZER = 'provisioning.xpuflow.dev/network-attachment';
