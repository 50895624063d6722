/**
 * PCI address arithmetic for the simulated sysfs.
 *
 * A function's routing ID is `bus << 8 | device << 3 | function`. The kernel
 * finds VF k of a PF at `PF routing ID + sriov_offset + k * sriov_stride`, so
 * VFs fill the PF's device functions and then wrap into the next devices
 * (and buses), as on real hardware.
 */
import { checkPciAddress } from '../../model/validation';

export interface PciAddressParts {
  domain: number;
  bus: number;
  device: number;
  fn: number;
}

export function parsePciAddress(address: string): PciAddressParts {
  const problem = checkPciAddress(address);
  if (problem) throw new Error(problem);
  const [domain, bus, devFn] = address.split(':');
  const [device, fn] = devFn.split('.');
  return {
    domain: parseInt(domain, 16),
    bus: parseInt(bus, 16),
    device: parseInt(device, 16),
    fn: parseInt(fn, 16),
  };
}

export function formatPciAddress(parts: PciAddressParts): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `${hex(parts.domain, 4)}:${hex(parts.bus, 2)}:${hex(parts.device, 2)}.${parts.fn}`;
}

export function routingId(parts: PciAddressParts): number {
  return (parts.bus << 8) | (parts.device << 3) | parts.fn;
}

/** The address of VF `index` (0-based) of the PF at `pfAddress`. */
export function vfPciAddress(pfAddress: string, index: number, offset = 1, stride = 1): string {
  const pf = parsePciAddress(pfAddress);
  const rid = routingId(pf) + offset + index * stride;
  if (rid > 0xffff) {
    throw new Error(`VF ${index} of ${pfAddress} (offset ${offset}, stride ${stride}) would be past bus ff`);
  }
  return formatPciAddress({ domain: pf.domain, bus: rid >> 8, device: (rid >> 3) & 0x1f, fn: rid & 0x7 });
}

/** A predictable interface name for a PF, as systemd would give it: enp3s0f0. */
export function defaultPfIfname(pfAddress: string): string {
  const pf = parsePciAddress(pfAddress);
  const domain = pf.domain === 0 ? '' : `P${pf.domain}`;
  return `en${domain}p${pf.bus}s${pf.device}f${pf.fn}`;
}

/** A deterministic, locally administered unicast MAC derived from a PCI address. */
export function macFor(address: string): string {
  const p = parsePciAddress(address);
  const bytes = [0x02, (p.domain >> 8) & 0xff, p.domain & 0xff, p.bus, p.device, p.fn];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
