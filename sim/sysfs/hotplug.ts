/**
 * A card pulled out of (or failing off) the bus: what Linux shows after the
 * PCI core removes the device and its children (the VFs), as it does on a
 * surprise removal or a write to `remove` ("hot-remove the PCI device and any
 * of its children", Linux Documentation/ABI/testing/sysfs-bus-pci @
 * 2597ba763fc44e247e462177abfe92d95bc5e6d5): the device's folder, its
 * bus/pci/devices link and its driver's link are gone. Adding a card back is
 * `createSysfsTree` on the same root with the new PF.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundDriver, busDeviceLink, deviceDir, readLinkQuiet, removeQuiet, unlinkDriver } from './layout';

export function unplugPciFunction(root: string, address: string): void {
  const dir = deviceDir(root, address);
  if (!fs.existsSync(dir)) throw new Error(`sim sysfs: no PCI function ${address} under ${root} to unplug`);
  for (const name of fs.readdirSync(dir)) {
    if (!/^virtfn\d+$/.test(name)) continue;
    const vf = readLinkQuiet(path.join(dir, name));
    if (vf) unplugPciFunction(root, path.basename(vf));
  }
  const driver = boundDriver(root, address);
  if (driver) unlinkDriver(root, address, driver);
  removeQuiet(busDeviceLink(root, address));
  removeQuiet(dir);
}
