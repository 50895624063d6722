/**
 * The CNI result JSON of an ADD (spec 1.x "Success" result): the VF in the
 * pod, and the IPAM plugin's ips (now pointing at that interface), routes
 * and dns, as a plugin that delegates IPAM passes them on.
 */
import type { AttachRecord } from '../../model/vf';
import type { IpamResult } from './ipam-plugin';

export function addResult(cniVersion: string, record: AttachRecord, ipam: IpamResult): string {
  return JSON.stringify({
    cniVersion,
    interfaces: [
      {
        name: record.podIfname,
        mac: record.mac,
        mtu: record.mtu,
        sandbox: record.netns,
        pciID: record.pciAddress,
      },
    ],
    ips: ipam.ips.map((a) => ({
      address: a.address,
      ...(a.gateway ? { gateway: a.gateway } : {}),
      interface: 0,
    })),
    routes: (ipam.routes ?? []).map((r) => ({ dst: r.dst, ...(r.gw ? { gw: r.gw } : {}) })),
    dns: ipam.dns ?? {},
  });
}
