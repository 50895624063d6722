/**
 * The attach an ADD asks for, from the CNI request, its network
 * configuration and the IPAM plugin's result: what the VF lease's `attach`
 * update carries (node/hostagent/cni-add.ts), and what the benchmark's direct
 * baseline hands the netdev activity without a lease (bench/direct-node-process.ts).
 */
import type { AttachRequest, PodRef } from '../../model/vf';
import type { CniRequest__Output } from '../../proto/load-vf';
import type { NetConf } from './config';
import type { IpamResult } from './ipam-plugin';

export function attachRequestOf(
  req: CniRequest__Output,
  conf: NetConf,
  ipam: IpamResult,
  pod: PodRef,
): AttachRequest {
  return {
    pod,
    containerId: req.containerId,
    netns: req.netns,
    ifname: req.ifname,
    mtu: conf.mtu,
    addresses: ipam.ips.map((ip) => ({ address: ip.address, gateway: ip.gateway })),
    routes: ipam.routes ?? [],
  };
}
