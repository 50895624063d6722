/**
 * Driver binding the way sriov-network-operator does it: set
 * driver_override, unbind from the current driver, then ask the bus to
 * probe (drivers_probe), which binds the override's driver.
 */
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readLinkName, writeAttr } from './attrs';
import { SysfsErrorType, retryable } from './errors';
import { assertDriverName, driverPath, driversProbePath, requirePciDevice } from './paths';

export interface BindDriverOptions {
  /** How long to wait for each step to show in sysfs. Default 5000. */
  timeoutMs?: number;
  /** Default 5. */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/** The driver a PCI function is bound to, or undefined. */
export async function readDriver(root: string, pciAddress: string): Promise<string | undefined> {
  const dir = await requirePciDevice(root, pciAddress);
  return readLinkName(path.join(dir, 'driver'));
}

async function waitForDriver(
  root: string,
  pciAddress: string,
  wanted: string | undefined,
  options: BindDriverOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await readDriver(root, pciAddress);
    if (current === wanted) return;
    if (Date.now() >= deadline) {
      const want = wanted ? `bind ${pciAddress} to ${wanted}` : `unbind ${pciAddress}`;
      throw retryable(
        SysfsErrorType.KernelRefused,
        `kernel refused to ${want}: after ${timeoutMs} ms it is bound to ${current ?? 'no driver'}; check dmesg on the host`,
        { pciAddress, wanted, current },
      );
    }
    options.signal?.throwIfAborted();
    await delay(options.pollIntervalMs ?? 5);
  }
}

/**
 * Binds a PCI function to `driver` (e.g. vfio-pci) through driver_override.
 * Idempotent: when it is already bound there, only the override is (re)set.
 */
export async function bindDriver(
  root: string,
  pciAddress: string,
  driver: string,
  options: BindDriverOptions = {},
): Promise<{ previous?: string; current: string }> {
  assertDriverName(driver);
  const dir = await requirePciDevice(root, pciAddress);
  const previous = await readDriver(root, pciAddress);
  await writeAttr(path.join(dir, 'driver_override'), driver, `driver_override=${driver} on ${pciAddress}`);
  if (previous === driver) return { previous, current: driver };
  if (previous !== undefined) {
    await writeAttr(
      path.join(driverPath(root, previous), 'unbind'),
      pciAddress,
      `unbind of ${pciAddress} from ${previous}`,
    );
    await waitForDriver(root, pciAddress, undefined, options);
  }
  await writeAttr(driversProbePath(root), pciAddress, `drivers_probe of ${pciAddress}`);
  await waitForDriver(root, pciAddress, driver, options);
  return { previous, current: driver };
}
