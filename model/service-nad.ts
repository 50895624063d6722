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
import type { DpuServiceIpamSpec, DpuServiceNadSpec } from './resources/service-ipam';

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

export interface CniNetworkConfig {
  cniVersion: string;
  name: string;
  type: 'ovs';
  bridge: string;
  mtu?: number;
  capabilities?: { ips: true };
  ipam?: { type: 'static'; routes?: Array<{ dst: string }> };
}

export function nadCniConfig(
  name: string,
  spec: DpuServiceNadSpec,
  ipam: DpuServiceIpamSpec | undefined,
): CniNetworkConfig {
  const pool = ipam && (ipam.ipv4Network ?? ipam.ipv4Subnet ?? ipam.ipv6Network ?? ipam.ipv6Subnet);
  const v6 = !!ipam && !!(ipam.ipv6Network ?? ipam.ipv6Subnet);
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
            ...(pool.defaultGateway ? { routes: [{ dst: v6 ? '::/0' : '0.0.0.0/0' }] } : {}),
          },
        }
      : {}),
  };
}
