/**
 * The NetworkAttachmentDefinition a DPUServiceNAD makes in a DPU cluster
 * (Multus's k8s.cni.cncf.io/v1: spec.config is the CNI network config as a
 * JSON string, k8snetworkplumbingwg/network-attachment-definition-client
 * artifacts/networks-crd.yaml @6fd0897fba5313b98cf5f556376813b843518632).
 *
 * The network is OVS CNI on the NAD's bridge, as DPF writes it. With a
 * DPUServiceIPAM named, xpuflow's ledger is the allocator and the CNI config
 * carries its addresses through the static IPAM plugin: the config declares
 * the `ips` capability, so Multus hands the address of the pod's network
 * selection element (the interface's status.addresses) to the plugin as
 * runtimeConfig.ips (containernetworking/plugins plugins/ipam/static/main.go
 * @094c9039328e1d2007d9e300804654ad0748a08c, LoadIPAMConfig); the pool's
 * family sets the default route when defaultGateway is on. The NAD's
 * annotation names the IPAM, so `kubectl get net-attach-def -o yaml` says
 * where the addresses come from.
 */
import type { DpuServiceIpamSpec, DpuServiceNadSpec, IpamNodeBlock } from './resources/service-ipam';

export const NAD_API_GROUP = 'k8s.cni.cncf.io';
export const NAD_API_VERSION = 'v1';
export const NAD_PLURAL = 'network-attachment-definitions';
/** On the NetworkAttachmentDefinition: the DPUServiceIPAM its addresses come from. */
export const NAD_IPAM_ANNOTATION = 'provisioning.xpuflow.dev/ipam';
/** On the NetworkAttachmentDefinition: the DPUServiceNAD (`<namespace>/<name>`) that made it. */
export const NAD_OWNER_ANNOTATION = 'provisioning.xpuflow.dev/dpuservicenad';
export const DEFAULT_NAD_BRIDGE = 'br-sfc';

/** The device plugin resource a pod on this network requests, as DPF's GetResourceName. */
export function nadResourceName(spec: DpuServiceNadSpec): string | undefined {
  if (spec.resourceType === 'vf') return 'nvidia.com/bf_vf';
  if (spec.resourceType === 'sf') return 'nvidia.com/bf_sf';
  return undefined;
}

/** One DPU node's share as nv-ipam records it in its pool's status (nodeName, prefix or range, gateway). */
export interface NadNodeIpam {
  nodeName: string;
  /** The node's subnet (network mode) or address range (subnet mode). */
  block: string;
  gateway?: string;
  routes?: Array<{ dst: string; gw: string }>;
}

export interface CniNetworkConfig {
  cniVersion: string;
  name: string;
  type: 'ovs';
  bridge: string;
  mtu?: number;
  capabilities?: { ips: true };
  ipam?: {
    type: 'static';
    routes?: Array<{ dst: string; gw?: string }>;
    /** Each DPU node's block, gateway and routes (from the DPUServiceIPAM's status.nodes). */
    nodes?: NadNodeIpam[];
  };
}

/**
 * The CNI config. With an IPAM, each DPU node's gateway and routes are in
 * `ipam.nodes`, as nvidia-k8s-ipam keeps them per node in its CIDRPool and
 * IPPool status (allocations: nodeName, prefix, gateway; the gateway of a
 * node's subnet is its gatewayIndex-th address) and DPF feeds them from
 * these same fields (NVIDIA/doca-platform
 * api/dpuservice/v1alpha1/dpuserviceipam_types.go @ce08828fdc076a64a189bb01d684a771b9304cc9).
 * One gateway for every node (ipv4Subnet/ipv6Subnet) is also the gateway of
 * the default route the static plugin installs; per-node gateways (network
 * mode) leave the route's gw to the address's own gateway
 * (containernetworking/plugins pkg/ipam/ipam_linux.go @v1.10.0 ConfigureIface: a
 * route without gw takes the address family's gateway).
 */
export function nadCniConfig(
  name: string,
  spec: DpuServiceNadSpec,
  ipam: DpuServiceIpamSpec | undefined,
  nodes: IpamNodeBlock[] = [],
): CniNetworkConfig {
  const pool = ipam && (ipam.ipv4Network ?? ipam.ipv4Subnet ?? ipam.ipv6Network ?? ipam.ipv6Subnet);
  const v6 = !!ipam && !!(ipam.ipv6Network ?? ipam.ipv6Subnet);
  const dst = v6 ? '::/0' : '0.0.0.0/0';
  const shared = ipam && (ipam.ipv4Subnet ?? ipam.ipv6Subnet)?.gateway;
  const perNode: NadNodeIpam[] = [...nodes]
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    .map((n) => ({
      nodeName: n.node,
      block: n.block,
      ...(n.gateway ? { gateway: n.gateway } : {}),
      ...(n.gateway && pool?.defaultGateway ? { routes: [{ dst, gw: n.gateway }] } : {}),
    }));
  return {
    cniVersion: '0.4.0',
    name,
    type: 'ovs',
    bridge: spec.bridge ?? DEFAULT_NAD_BRIDGE,
    ...(spec.serviceMTU ? { mtu: spec.serviceMTU } : {}),
    ...(pool
      ? {
          capabilities: { ips: true as const },
          ipam: {
            type: 'static' as const,
            ...(pool.defaultGateway ? { routes: [{ dst, ...(shared ? { gw: shared } : {}) }] } : {}),
            ...(perNode.length > 0 ? { nodes: perNode } : {}),
          },
        }
      : {}),
  };
}
