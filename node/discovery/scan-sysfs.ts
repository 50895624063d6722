/**
 * Finds the xPUs on this host from sysfs, the way NVIDIA's DPF detector does
 * (NVIDIA/doca-platform cmd/dpudetector/main.go @ 6acfda03356adceb17657555ce4ecca01f6bb32c):
 * every /sys/bus/pci/devices/<addr>/device is compared with the known IDs;
 * the physical functions of one card share domain:bus:device and are counted
 * as one DPU ("It should another PF for the same device", NumberOfPFs++),
 * named by function 0 ("PF0"), whose first net/ entry is the PF0 netdev.
 *
 * Beyond DPF: the vendor is compared too, virtual functions (which have a
 * `physfn` link, Linux Documentation/ABI/testing/sysfs-bus-pci) are skipped,
 * every PF's netdevs are listed, and the card's product name and serial
 * number come from the VPD file where the device exposes one. A Mellanox
 * physical function that looks like a DPU but whose ID no list has is
 * returned apart, as unrecognised.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPciAddress } from '../../model/validation';
import { looksLikeDpu, type XpuId } from './pci-ids';
import { parseVpd } from './vpd';

export interface DiscoveredPf {
  pciAddress: string;
  /** The PF's netdevs (`net/` entries), sorted. */
  netdevs: string[];
}

export interface DiscoveredDevice {
  /** The card's address: its function 0 (DPF's PF0), else its lowest function. */
  pciAddress: string;
  vendorId: string;
  deviceId: string;
  model: string;
  /** The VPD identifier string, when the card exposes VPD. */
  productName?: string;
  serialNumber?: string;
  partNumber?: string;
  pfs: DiscoveredPf[];
}

export interface UnrecognisedDevice {
  pciAddress: string;
  vendorId: string;
  deviceId: string;
}

export interface SysfsScan {
  devices: DiscoveredDevice[];
  unrecognised: UnrecognisedDevice[];
}

export function pciDevicesDir(sysfsRoot: string): string {
  return path.join(sysfsRoot, 'bus', 'pci', 'devices');
}

/** One pass over `<sysfsRoot>/bus/pci/devices`. Throws when that folder cannot be read. */
export function scanSysfs(sysfsRoot: string, ids: readonly XpuId[]): SysfsScan {
  const dir = pciDevicesDir(sysfsRoot);
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).sort();
  } catch (err) {
    throw new Error(
      `cannot list PCI devices in ${dir}: ${(err as Error).message}; is --sysfs-root the host's /sys?`,
      { cause: err },
    );
  }
  const known = new Map(ids.map((id) => [`${id.vendor}:${id.device}`, id]));
  const cards = new Map<string, { id: XpuId; functions: string[] }>();
  const unrecognised: UnrecognisedDevice[] = [];
  for (const address of entries) {
    if (checkPciAddress(address)) continue;
    const fn = readFunction(dir, address);
    if (!fn || fn.isVf) continue;
    const id = known.get(`${fn.vendor}:${fn.device}`);
    if (!id) {
      if (looksLikeDpu(fn.vendor, fn.device)) {
        unrecognised.push({ pciAddress: address, vendorId: fn.vendor, deviceId: fn.device });
      }
      continue;
    }
    const card = address.slice(0, address.lastIndexOf('.'));
    const entry = cards.get(card) ?? { id, functions: [] };
    entry.functions.push(address);
    cards.set(card, entry);
  }
  const devices = [...cards.values()].map(({ id, functions }) => {
    const pf0 = functions.find((f) => f.endsWith('.0')) ?? functions[0];
    const vpd = readVpd(path.join(dir, pf0, 'vpd'));
    return {
      pciAddress: pf0,
      vendorId: id.vendor,
      deviceId: id.device,
      model: id.model,
      ...vpd,
      pfs: functions.map((f) => ({ pciAddress: f, netdevs: listQuiet(path.join(dir, f, 'net')) })),
    };
  });
  return { devices, unrecognised };
}

/** vendor, device and whether it is a VF; undefined for a function removed while we looked. */
function readFunction(
  dir: string,
  address: string,
): { vendor: string; device: string; isVf: boolean } | undefined {
  const vendor = readAttr(path.join(dir, address, 'vendor'));
  const device = readAttr(path.join(dir, address, 'device'));
  if (vendor === undefined || device === undefined) return undefined;
  let isVf = true;
  try {
    fs.lstatSync(path.join(dir, address, 'physfn'));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    isVf = false;
  }
  return { vendor: vendor.toLowerCase(), device: device.toLowerCase(), isVf };
}

function readAttr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The VPD's name, serial and part number; nothing when the device has no vpd file. */
function readVpd(file: string): { productName?: string; serialNumber?: string; partNumber?: string } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    // No VPD capability: the kernel creates no vpd file. A device whose VPD
    // read times out gives EIO or ETIMEDOUT: it is still a DPU, without a serial.
    if (isNotFound(err) || isErrno(err, 'EIO') || isErrno(err, 'ETIMEDOUT')) return {};
    throw err;
  }
  const v = parseVpd(buf);
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
}

function listQuiet(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (err) {
    // A PF whose driver is unbound has no net/ folder.
    if (isNotFound(err)) return [];
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR');
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
