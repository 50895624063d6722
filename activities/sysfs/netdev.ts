/** The netdevs and IOMMU group of a PCI function, from sysfs. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { errnoOf } from './errors';
import { requirePciDevice } from './paths';
import { readAttr, readLinkName } from './attrs';

/** Names under `<dev>/net/` (none when bound to vfio-pci or no driver). */
export async function readNetdevs(root: string, pciAddress: string): Promise<string[]> {
  return netdevsIn(await requirePciDevice(root, pciAddress));
}

/** The sorted names under `<deviceDir>/net/`; none when it has no such folder. */
export async function netdevsIn(deviceDir: string): Promise<string[]> {
  try {
    return (await fs.readdir(path.join(deviceDir, 'net'))).sort();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
}

/** The IOMMU group number from `<dev>/iommu_group`, or undefined when the function has none. */
export async function readIommuGroup(root: string, pciAddress: string): Promise<string | undefined> {
  const dir = await requirePciDevice(root, pciAddress);
  return readLinkName(path.join(dir, 'iommu_group'));
}

/** `<dev>/net/<if>/operstate` of the first netdev ("up", "down", ...), or undefined. */
export async function readOperstate(root: string, pciAddress: string): Promise<string | undefined> {
  const [ifname] = await readNetdevs(root, pciAddress);
  if (!ifname) return undefined;
  const dir = await requirePciDevice(root, pciAddress);
  try {
    return await readAttr(path.join(dir, 'net', ifname, 'operstate'));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** The PF of a VF (from its physfn link), or undefined for a PF. */
export async function readPhysfn(root: string, pciAddress: string): Promise<string | undefined> {
  const dir = await requirePciDevice(root, pciAddress);
  return readLinkName(path.join(dir, 'physfn'));
}

/** vendor (0x15b3) of a PCI function. */
export async function readVendor(root: string, pciAddress: string): Promise<string> {
  const dir = await requirePciDevice(root, pciAddress);
  return readAttr(path.join(dir, 'vendor'));
}
