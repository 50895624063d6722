/**
 * Builds a simulated sysfs tree of SR-IOV physical functions under a root
 * folder, laid out as Linux lays out /sys (see layout.ts). The tree alone is
 * inert: start the sim kernel (kernel.ts) to make writes take effect.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPciAddress } from '../../model/validation';
import {
  DEFAULT_DRIVER,
  SIM_DRIVERS,
  busDeviceLink,
  busDir,
  createNetdev,
  deviceDir,
  driverDir,
  linkDriver,
  symlinkForce,
  writeAttr,
} from './layout';
import { defaultPfIfname, macFor, vfPciAddress } from './pci-address';
import { encodeVpd, type SimVpd } from './vpd';

export interface SimPfSpec {
  /** `DDDD:BB:DD.F`, lowercase. */
  pciAddress: string;
  /** sriov_totalvfs. */
  totalVfs: number;
  /** The PF's netdev; defaults to the predictable name (enp3s0f0). VF k gets `<ifname>v<k>`. */
  ifname?: string;
  /** Defaults to Mellanox 0x15b3. */
  vendor?: string;
  /** Defaults to 0xa2d6 (BlueField-2 ConnectX-6 Dx). */
  device?: string;
  /** VF device ID; defaults to 0x101e (ConnectX family VF). */
  vfDevice?: string;
  /** sriov_offset: VF 0 is at PF routing ID + offset. Default 1. */
  vfOffset?: number;
  /** sriov_stride. Default 1. */
  vfStride?: number;
  /** The binary `vpd` file (product name, serial); none when omitted, as for a device without VPD. */
  vpd?: SimVpd;
}

export interface SysfsTreeOptions {
  pfs: SimPfSpec[];
}

export interface SysfsTree {
  root: string;
  /** PF addresses in the order given. */
  pfs: string[];
  /** The PF's real folder under devices/ (what bus/pci/devices/<addr> points at). */
  deviceDir(address: string): string;
  /** The address VF `index` of `pf` gets when created. */
  vfAddress(pf: string, index: number): string;
}

const HEX_ID = /^0x[0-9a-f]{4}$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

function validate(pfs: SimPfSpec[]): void {
  const taken = new Map<string, string>();
  const claim = (address: string, by: string) => {
    const other = taken.get(address);
    if (other) throw new Error(`sim sysfs: ${by} and ${other} would both be at ${address}; set vfOffset`);
    taken.set(address, by);
  };
  for (const pf of pfs) {
    const problem = checkPciAddress(pf.pciAddress);
    if (problem) throw new Error(`sim sysfs: ${problem}`);
    claim(pf.pciAddress, `PF ${pf.pciAddress}`);
  }
  for (const pf of pfs) {
    if (!Number.isInteger(pf.totalVfs) || pf.totalVfs < 0 || pf.totalVfs > 0xffff) {
      throw new Error(
        `sim sysfs: totalVfs ${pf.totalVfs} of ${pf.pciAddress} must be a whole number 0-65535`,
      );
    }
    for (const id of [pf.vendor, pf.device, pf.vfDevice]) {
      if (id !== undefined && !HEX_ID.test(id)) throw new Error(`sim sysfs: PCI ID ${id} is not 0xhhhh`);
    }
    if (pf.ifname !== undefined && !IFNAME.test(pf.ifname)) {
      throw new Error(`sim sysfs: interface name ${JSON.stringify(pf.ifname)} is not valid`);
    }
    for (let k = 0; k < pf.totalVfs; k++) {
      claim(
        vfPciAddress(pf.pciAddress, k, pf.vfOffset ?? 1, pf.vfStride ?? 1),
        `VF ${k} of ${pf.pciAddress}`,
      );
    }
  }
}

function createPf(root: string, pf: SimPfSpec): void {
  const dev = deviceDir(root, pf.pciAddress);
  fs.mkdirSync(dev, { recursive: true });
  const attrs: Record<string, string | number> = {
    vendor: pf.vendor ?? '0x15b3',
    device: pf.device ?? '0xa2d6',
    class: '0x020000',
    sriov_totalvfs: pf.totalVfs,
    sriov_numvfs: 0,
    sriov_drivers_autoprobe: 1,
    sriov_offset: pf.vfOffset ?? 1,
    sriov_stride: pf.vfStride ?? 1,
    sriov_vf_device: (pf.vfDevice ?? '0x101e').slice(2),
    driver_override: '(null)',
  };
  for (const [name, value] of Object.entries(attrs)) writeAttr(path.join(dev, name), value);
  if (pf.vpd) fs.writeFileSync(path.join(dev, 'vpd'), encodeVpd(pf.vpd));
  linkDriver(root, pf.pciAddress, DEFAULT_DRIVER);
  createNetdev(dev, pf.ifname ?? defaultPfIfname(pf.pciAddress), macFor(pf.pciAddress));
  symlinkForce(
    path.relative(path.dirname(busDeviceLink(root, pf.pciAddress)), dev),
    busDeviceLink(root, pf.pciAddress),
  );
}

/**
 * Creates (or adds to) a sysfs tree under `root`, synchronously. Fails
 * without writing anything when a spec is invalid or two functions would
 * share an address. Start the sim kernel after adding PFs.
 */
export function createSysfsTree(root: string, options: SysfsTreeOptions): SysfsTree {
  validate(options.pfs);
  fs.mkdirSync(path.join(busDir(root), 'devices'), { recursive: true });
  for (const driver of SIM_DRIVERS) {
    const dir = driverDir(root, driver);
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['bind', 'unbind']) {
      if (!fs.existsSync(path.join(dir, name))) fs.writeFileSync(path.join(dir, name), '');
    }
  }
  const probe = path.join(busDir(root), 'drivers_probe');
  if (!fs.existsSync(probe)) fs.writeFileSync(probe, '');
  for (const pf of options.pfs) createPf(root, pf);
  const offsets = new Map(options.pfs.map((pf) => [pf.pciAddress, [pf.vfOffset ?? 1, pf.vfStride ?? 1]]));
  return {
    root,
    pfs: options.pfs.map((pf) => pf.pciAddress),
    deviceDir: (address) => deviceDir(root, address),
    vfAddress: (pf, index) => {
      const [offset, stride] = offsets.get(pf) ?? [1, 1];
      return vfPciAddress(pf, index, offset, stride);
    },
  };
}
