/**
 * Moving a VF netdev into a pod's netns and back, symmetric: ADD records what
 * it found (name, MAC, MTU) before it changes anything, DEL puts exactly that
 * back. DEL is tolerant: a netns that is gone, a netdev that already came
 * back to the host (the kernel returns a physical function's netdev to the
 * host when its netns is destroyed, under the pod's name), or a netdev that
 * is gone altogether all end in success.
 */
import type { AttachRecord, AttachRequest } from '../../model/vf';
import { findLink, hostNetnsPath, ip, listLinks, netnsExists } from './ip';

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
  let record = previous;
  const inPod = await findLink(opts.ifname, opts.netns);
  if (!record || !inPod) {
    const host = await findLink(opts.hostIfname);
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
    await ip(['link', 'set', 'dev', opts.hostIfname, 'down']);
    await ip(['link', 'set', 'dev', opts.hostIfname, 'netns', opts.netns]);
    await ip(['link', 'set', 'dev', opts.hostIfname, 'name', opts.ifname], opts.netns);
  }
  const ns = opts.netns;
  await ip(['link', 'set', 'dev', opts.ifname, 'address', record.mac, 'mtu', String(record.mtu)], ns);
  const have = (await findLink(opts.ifname, ns))?.addresses ?? [];
  for (const a of opts.addresses) {
    if (!have.includes(a.address)) await ip(['addr', 'add', a.address, 'dev', opts.ifname], ns);
  }
  await ip(['link', 'set', 'dev', opts.ifname, 'up'], ns);
  for (const r of opts.routes) {
    const gw = r.gw ?? opts.addresses.find((a) => a.gateway)?.gateway;
    await ip(['route', 'replace', r.dst, ...(gw ? ['via', gw] : []), 'dev', opts.ifname], ns);
  }
  return record;
}

export interface DetachOutcome {
  /** Where the netdev was found: in the pod netns, back in the host, or nowhere. */
  found: 'pod-netns' | 'host' | 'gone';
  hostIfname: string;
}

async function restoreInHost(name: string, record: AttachRecord): Promise<void> {
  await ip(['link', 'set', 'dev', name, 'down']);
  await ip(['addr', 'flush', 'dev', name]);
  if (name !== record.hostIfname) await ip(['link', 'set', 'dev', name, 'name', record.hostIfname]);
  await ip([
    'link',
    'set',
    'dev',
    record.hostIfname,
    'address',
    record.originalMac,
    'mtu',
    String(record.originalMtu),
  ]);
}

/** DEL: the reverse of attachNetdev. Succeeds when the netns or the netdev is already gone. */
export async function detachNetdev(record: AttachRecord): Promise<DetachOutcome> {
  if (netnsExists(record.netns)) {
    const inPod = await findLink(record.podIfname, record.netns).catch(() => undefined);
    if (inPod && inPod.address === record.mac) {
      await ip(['link', 'set', 'dev', record.podIfname, 'down'], record.netns);
      await ip(['addr', 'flush', 'dev', record.podIfname], record.netns);
      // Renamed before the move: pods' interfaces share names (net1), the host's must not collide.
      await ip(['link', 'set', 'dev', record.podIfname, 'name', record.hostIfname], record.netns);
      await ip(['link', 'set', 'dev', record.hostIfname, 'netns', hostNetnsPath()], record.netns);
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
