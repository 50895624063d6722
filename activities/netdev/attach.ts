/**
 * Moving a VF netdev into a pod's netns and back, symmetric: ADD records what
 * it found (name, MAC, MTU) before it changes anything, DEL puts exactly that
 * back. DEL is tolerant: a netns that is gone, a netdev that already came
 * back to the host (the kernel returns a physical function's netdev to the
 * host when its netns is destroyed, under the pod's name), or a netdev that
 * is gone altogether all end in success.
 */
import type { AttachRecord, AttachRequest } from '../../model/vf';
import { findLink, hostNetnsPath, ipBatch, listLinks, netnsExists } from './ip';

export class NetdevError extends Error {
  override name = 'NetdevError';
  constructor(
    message: string,
    readonly kind: 'NotFound' | 'Conflict' | 'Failed',
  ) {
    super(message);
  }
}

export interface AttachOptions extends AttachRequest {
  pciAddress: string;
  /** The VF netdev's name in the host netns now. */
  hostIfname: string;
  mac: string;
}

/**
 * ADD. Idempotent: when the netdev is already in the pod netns under `ifname`
 * (a retried ADD), it only (re)applies MAC, MTU, addresses and up.
 */
export async function attachNetdev(opts: AttachOptions, previous?: AttachRecord): Promise<AttachRecord> {
  if (!netnsExists(opts.netns)) {
    throw new NetdevError(`netns ${opts.netns} does not exist (the pod sandbox is gone?)`, 'NotFound');
  }
  let record = previous && previous.containerId === opts.containerId ? previous : undefined;
  const inPod = await findLink(opts.ifname, opts.netns);
  if (!record || !inPod) {
    // A crash between the move and the rename leaves it in the pod under its host name.
    const halfMoved = inPod ? undefined : await findLink(opts.hostIfname, opts.netns);
    const host = halfMoved ?? (await findLink(opts.hostIfname));
    if (!host) {
      if (inPod)
        throw new NetdevError(`netns ${opts.netns} already has an interface ${opts.ifname}`, 'Conflict');
      throw new NetdevError(
        `VF ${opts.pciAddress} has no netdev ${opts.hostIfname} in the host netns (bound to vfio-pci, or in use by another pod?)`,
        'NotFound',
      );
    }
    if (inPod)
      throw new NetdevError(`netns ${opts.netns} already has an interface ${opts.ifname}`, 'Conflict');
    record = {
      pciAddress: opts.pciAddress,
      containerId: opts.containerId,
      netns: opts.netns,
      hostIfname: opts.hostIfname,
      podIfname: opts.ifname,
      originalMac: host.address,
      originalMtu: host.mtu,
      mac: opts.mac,
      mtu: opts.mtu ?? host.mtu,
      addresses: opts.addresses,
    };
    if (!halfMoved) {
      await ipBatch([
        ['link', 'set', 'dev', opts.hostIfname, 'down'],
        ['link', 'set', 'dev', opts.hostIfname, 'netns', opts.netns],
      ]);
    }
  }
  // A repeated ADD may bring addresses the first did not have (xpuflow-cni's dhcp order): the record keeps the latest.
  record = { ...record, addresses: opts.addresses };
  // In the pod: one ip process; replace (not add) keeps a retried ADD idempotent.
  const renamed = !inPod;
  await ipBatch(
    [
      ...(renamed ? [['link', 'set', 'dev', opts.hostIfname, 'name', opts.ifname]] : []),
      ['link', 'set', 'dev', opts.ifname, 'address', record.mac, 'mtu', String(record.mtu)],
      ...opts.addresses.map((a) => ['addr', 'replace', a.address, 'dev', opts.ifname]),
      ['link', 'set', 'dev', opts.ifname, 'up'],
      ...opts.routes.map((r) => {
        // The gateway of an address of the route's family (an IPv6 route never goes via an IPv4 gateway).
        const v6 = r.dst.includes(':');
        const gw = r.gw ?? opts.addresses.find((a) => a.gateway && a.gateway.includes(':') === v6)?.gateway;
        return ['route', 'replace', r.dst, ...(gw ? ['via', gw] : []), 'dev', opts.ifname];
      }),
    ],
    opts.netns,
  );
  return record;
}

export interface DetachOutcome {
  /** Where the netdev was found: in the pod netns, back in the host, or nowhere. */
  found: 'pod-netns' | 'host' | 'gone';
  hostIfname: string;
}

async function restoreInHost(name: string, record: AttachRecord): Promise<void> {
  await ipBatch([
    ['link', 'set', 'dev', name, 'down'],
    ['addr', 'flush', 'dev', name],
    ...(name !== record.hostIfname ? [['link', 'set', 'dev', name, 'name', record.hostIfname]] : []),
    [
      'link',
      'set',
      'dev',
      record.hostIfname,
      'address',
      record.originalMac,
      'mtu',
      String(record.originalMtu),
    ],
  ]);
}

/** DEL: the reverse of attachNetdev. Succeeds when the netns or the netdev is already gone. */
export async function detachNetdev(record: AttachRecord): Promise<DetachOutcome> {
  if (netnsExists(record.netns)) {
    // A netns removed between the look and `ip` has no interface; any other failure of `ip` is reported.
    const inPod = await findLink(record.podIfname, record.netns).catch((err: unknown) => {
      if (!netnsExists(record.netns)) return undefined;
      throw err;
    });
    if (inPod && inPod.address === record.mac) {
      // Renamed before the move: pods' interfaces share names (net1), the host's must not collide.
      await ipBatch(
        [
          ['link', 'set', 'dev', record.podIfname, 'down'],
          ['addr', 'flush', 'dev', record.podIfname],
          ['link', 'set', 'dev', record.podIfname, 'name', record.hostIfname],
          ['link', 'set', 'dev', record.hostIfname, 'netns', hostNetnsPath()],
        ],
        record.netns,
      );
      await restoreInHost(record.hostIfname, record);
      return { found: 'pod-netns', hostIfname: record.hostIfname };
    }
  }
  // The netns vanished first: a VF netdev comes back to the host under the pod's name.
  const links = await listLinks();
  const back =
    links.find((l) => l.ifname === record.podIfname && l.address === record.mac) ??
    links.find((l) => l.ifname === record.hostIfname);
  if (back) {
    await restoreInHost(back.ifname, record);
    return { found: 'host', hostIfname: record.hostIfname };
  }
  return { found: 'gone', hostIfname: record.hostIfname };
}
