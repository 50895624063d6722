/**
 * sysfs paths, built only from validated input: a PCI address must pass
 * model's checkPciAddress (DDDD:BB:DD.F, lowercase hex — the form sysfs
 * itself uses) before it is joined into a path, so nothing with '/', '..'
 * or uppercase ever reaches the file system. Uppercase is refused, not
 * lowercased: sysfs names are lowercase and a caller sending 0000:03:00.A
 * has a bug worth seeing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { checkPciAddress } from '../../model/validation';
import { SysfsErrorType, errnoOf, nonRetryable } from './errors';

export const DEFAULT_SYSFS_ROOT = '/sys';

const DRIVER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function assertPciAddress(pciAddress: string): void {
  const problem = checkPciAddress(pciAddress);
  if (problem) throw nonRetryable(SysfsErrorType.InvalidPciAddress, problem, { pciAddress });
}

export function assertDriverName(driver: string): void {
  if (typeof driver !== 'string' || !DRIVER_NAME.test(driver)) {
    throw nonRetryable(
      SysfsErrorType.InvalidDriverName,
      `driver name ${JSON.stringify(driver)} is not a kernel driver name (lowercase letters, digits, '_' and '-')`,
    );
  }
}

/** `<root>/bus/pci/devices/<addr>`: a PCI function's folder (a PF's or a VF's). */
export function pciDevicePath(root: string, pciAddress: string): string {
  assertPciAddress(pciAddress);
  return path.join(root, 'bus', 'pci', 'devices', pciAddress);
}

/** The PF's folder; the same as pciDevicePath, named for what SR-IOV code asks for. */
export function pfDevicePath(root: string, pciAddress: string): string {
  return pciDevicePath(root, pciAddress);
}

export function driverPath(root: string, driver: string): string {
  assertDriverName(driver);
  return path.join(root, 'bus', 'pci', 'drivers', driver);
}

export function driversProbePath(root: string): string {
  return path.join(root, 'bus', 'pci', 'drivers_probe');
}

export async function pciDeviceExists(root: string, pciAddress: string): Promise<boolean> {
  try {
    await fs.stat(pciDevicePath(root, pciAddress));
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return false;
    throw err;
  }
}

/** Throws PciDeviceNotFound (non-retryable) naming the address and where it looked. */
export async function requirePciDevice(root: string, pciAddress: string): Promise<string> {
  const dir = pciDevicePath(root, pciAddress);
  if (!(await pciDeviceExists(root, pciAddress))) {
    throw nonRetryable(
      SysfsErrorType.PciDeviceNotFound,
      `PCI device ${pciAddress} not found (no ${dir}): check the pciAddress (lspci -D lists the host's functions)`,
      { pciAddress, path: dir },
    );
  }
  return dir;
}
