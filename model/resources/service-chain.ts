/**
 * DPUServiceInterface and DPUServiceChain (group provisioning.xpuflow.dev,
 * v1alpha1), as the chain controller reads and writes them. The schemas with
 * their validation live in charts/xpuflow/crds/; these types follow them.
 *
 *   DPUServiceInterface  an OVS port on every DPU its dpuSelector picks:
 *                        vf → representor pf<pfId>vf<vfId>, pf → p<pfId>,
 *                        service → an internal port named interfaceName
 *   DPUServiceChain      flows on those DPUs steering traffic between the
 *                        consecutive ports of each switch
 */
import { GROUP, type KubeCondition, type LabelSelector, type Resource } from './common';
import type { InterfaceAddress } from './service-ipam';

/** Kept on interfaces and chains until their ports and flows are gone from every DPU. */
export const CHAIN_FINALIZER = `${GROUP}/ovs-cleanup`;
export const DEFAULT_SFC_BRIDGE = 'br-sfc';
export const DEFAULT_CHAIN_PRIORITY = 100;

export type ServiceInterfaceType = 'vf' | 'pf' | 'service';

export interface DpuServiceInterfaceSpec {
  /** Which DPUs get the port (an empty selector: every DPU in the namespace). */
  dpuSelector?: LabelSelector;
  interfaceType: ServiceInterfaceType;
  vf?: { pfId: number; vfId: number };
  pf?: { pfId: number };
  service?: { serviceId: string; network: string; interfaceName: string };
  /** The OVS bridge the port goes on (default br-sfc). */
  bridge?: string;
  /** A DPUServiceIPAM that gives the interface an address on each DPU node (model/resources/service-ipam.ts). */
  ipam?: { name: string };
}

export interface ChainPortRef {
  /** Name of a DPUServiceInterface in the chain's namespace. */
  serviceInterface: string;
}

export interface DpuServiceChainSpec {
  dpuSelector?: LabelSelector;
  /** OpenFlow priority of the chain's flows (default 100). */
  priority?: number;
  switches: Array<{ ports: ChainPortRef[] }>;
}

/** What happened on one DPU. */
export interface PerDpuStatus {
  dpu: string;
  applied: boolean;
  message?: string;
}

export interface ChainObjectStatus {
  observedGeneration?: number;
  conditions?: KubeCondition[];
  dpus?: PerDpuStatus[];
}

export interface DpuServiceInterfaceStatus extends ChainObjectStatus {
  /** Written by the IPAM controller: the interface's address on each DPU its spec.ipam gives one. */
  addresses?: InterfaceAddress[];
}

export type DpuServiceInterfaceResource = Resource<DpuServiceInterfaceSpec, DpuServiceInterfaceStatus>;
export type DpuServiceChainResource = Resource<DpuServiceChainSpec, ChainObjectStatus>;
