/**
 * Where things live in the simulated sysfs, mirroring Linux:
 *
 *   <root>/bus/pci/devices/<addr>          -> ../../../devices/pci0000:00/<addr>
 *   <root>/bus/pci/drivers/<drv>/{bind,unbind,<addr> -> device}
 *   <root>/bus/pci/drivers_probe
 *   <root>/devices/pci0000:00/<addr>/      vendor, device, sriov_*, driver -> ../../../bus/pci/drivers/<drv>, net/<if>/
 *
 * Small synchronous helpers shared by the tree builder and the sim kernel.
 * The kernel uses them from inside fs.watch callbacks, where synchronous
 * calls make each reaction atomic with respect to the rest of the process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePciAddress } from './pci-address';

export const SIM_DRIVERS = ['mlx5_core', 'vfio-pci'] as const;
export const DEFAULT_DRIVER = 'mlx5_core';

export function busDir(root: string): string {
  return path.join(root, 'bus', 'pci');
}

export function busDeviceLink(root: string, address: string): string {
  return path.join(busDir(root), 'devices', address);
}

export function driversDir(root: string): string {
  return path.join(busDir(root), 'drivers');
}

export function driverDir(root: string, driver: string): string {
  return path.join(driversDir(root), driver);
}

export function rootComplexName(address: string): string {
  const { domain } = parsePciAddress(address);
  return `pci${domain.toString(16).padStart(4, '0')}:00`;
}

export function deviceDir(root: string, address: string): string {
  return path.join(root, 'devices', rootComplexName(address), address);
}

/** Writes a sysfs attribute the way the kernel shows it: the value and a newline. */
export function writeAttr(file: string, value: string | number): void {
  fs.writeFileSync(file, `${value}\n`);
}

export function readAttr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** Replaces whatever is at `at` with a symlink to `target` (relative targets, as sysfs has). */
export function symlinkForce(target: string, at: string): void {
  removeQuiet(at);
  fs.symlinkSync(target, at);
}

export function removeQuiet(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
}

export function readLinkQuiet(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'EINVAL')) return undefined;
    throw err;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

/** Creates `net/<ifname>/` with address, operstate and mtu. */
export function createNetdev(devDir: string, ifname: string, mac: string): void {
  const dir = path.join(devDir, 'net', ifname);
  fs.mkdirSync(dir, { recursive: true });
  writeAttr(path.join(dir, 'address'), mac);
  writeAttr(path.join(dir, 'operstate'), 'down');
  writeAttr(path.join(dir, 'mtu'), 1500);
}

/** Makes `device` bound to `driver`: the device's `driver` link and the driver's link back. */
export function linkDriver(root: string, address: string, driver: string): void {
  const dev = deviceDir(root, address);
  symlinkForce(path.relative(dev, driverDir(root, driver)), path.join(dev, 'driver'));
  const back = path.join(driverDir(root, driver), address);
  symlinkForce(path.relative(driverDir(root, driver), dev), back);
}

export function unlinkDriver(root: string, address: string, driver: string): void {
  removeQuiet(path.join(deviceDir(root, address), 'driver'));
  removeQuiet(path.join(driverDir(root, driver), address));
}

/** The driver a device is bound to, from its `driver` link. */
export function boundDriver(root: string, address: string): string | undefined {
  const link = readLinkQuiet(path.join(deviceDir(root, address), 'driver'));
  return link === undefined ? undefined : path.basename(link);
}
