/** The CNI result JSON of an ADD (spec 1.x "Success" result). */
import type { AttachRecord } from '../../model/vf';

export function addResult(
  cniVersion: string,
  record: AttachRecord,
  routes: Array<{ dst: string; gw?: string }>,
): string {
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
    ips: record.addresses.map((a) => ({
      address: a.address,
      ...(a.gateway ? { gateway: a.gateway } : {}),
      interface: 0,
    })),
    routes: routes.map((r) => ({ dst: r.dst, ...(r.gw ? { gw: r.gw } : {}) })),
    dns: {},
  });
}
