/**
 * SR-IOV through sysfs, the way sriov-network-operator does it: a new VF
 * count always goes through 0 (the kernel refuses count-to-count changes
 * with EBUSY), never over sriov_totalvfs, and each write is followed by a
 * wait until sriov_numvfs reads back the value and the virtfn links match.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { checkNumVfs, checkPciAddress } from '../../model/validation';
import { readAttr, readIntAttr, readLinkName, writeAttr } from './attrs';
import { netdevsIn, readNetdevs } from './netdev';
import { SysfsErrorType, errnoOf, nonRetryable, retryable } from './errors';
import { assertPciAddress, requirePciDevice } from './paths';

export interface VfInfo {
  /** K in virtfnK. */
  index: number;
  pciAddress: string;
  /** The bound driver (mlx5_core, vfio-pci), or undefined when none is. */
  driver?: string;
  /** Netdevs under the VF's net/ (none when bound to vfio-pci). */
  netdevs: string[];
}

export interface SetNumVfsOptions {
  /** How long to wait after each write for the kernel to show it. Default 5000. */
  timeoutMs?: number;
  /** Default 5. */
  pollIntervalMs?: number;
  /** Stops the wait (e.g. the activity's cancellation signal). */
  signal?: AbortSignal;
}

export interface SetNumVfsResult {
  previous: number;
  current: number;
  /** The values written to sriov_numvfs, in order ([] when it already had the count). */
  writes: number[];
}

export async function readTotalVfs(root: string, pciAddress: string): Promise<number> {
  const dir = await requirePciDevice(root, pciAddress);
  const file = path.join(dir, 'sriov_totalvfs');
  try {
    return await readIntAttr(file, 'sriov_totalvfs');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') {
      throw nonRetryable(
        SysfsErrorType.SriovNotSupported,
        `PCI device ${pciAddress} has no sriov_totalvfs: it is not an SR-IOV PF (or SR-IOV is off in its firmware: mlxconfig SRIOV_EN=1)`,
        { pciAddress },
      );
    }
    throw err;
  }
}

export async function readNumVfs(root: string, pciAddress: string): Promise<number> {
  const dir = await requirePciDevice(root, pciAddress);
  return readIntAttr(path.join(dir, 'sriov_numvfs'), 'sriov_numvfs');
}

async function virtfnCount(pfDir: string): Promise<number> {
  return (await fs.readdir(pfDir)).filter((name) => /^virtfn\d+$/.test(name)).length;
}

/** The PF's VFs from its virtfnK links, by index. */
export async function listVfs(root: string, pciAddress: string): Promise<VfInfo[]> {
  const pfDir = await requirePciDevice(root, pciAddress);
  const vfs: VfInfo[] = [];
  for (const name of await fs.readdir(pfDir)) {
    const m = /^virtfn(\d+)$/.exec(name);
    if (!m) continue;
    const address = await readLinkName(path.join(pfDir, name));
    // A link to something that is not a PCI address is not followed any further.
    if (address === undefined || checkPciAddress(address) !== undefined) continue;
    const vfDir = path.join(pfDir, name);
    const netdevs = await netdevsIn(vfDir);
    vfs.push({
      index: Number(m[1]),
      pciAddress: address,
      driver: await readLinkName(path.join(vfDir, 'driver')),
      netdevs,
    });
  }
  return vfs.sort((a, b) => a.index - b.index);
}

/**
 * Waits until sriov_numvfs reads `value` and there are `value` virtfn links.
 * A read of any other number means the kernel put the old count back:
 * refused (a real kernel fails the write itself, which writeAttr reports).
 */
async function waitForCount(
  pciAddress: string,
  pfDir: string,
  value: number,
  options: Required<Omit<SetNumVfsOptions, 'signal'>> & { signal?: AbortSignal },
): Promise<void> {
  const file = path.join(pfDir, 'sriov_numvfs');
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const text = await readAttr(file);
    const links = await virtfnCount(pfDir);
    if (text === String(value) && links === value) return;
    if (text !== '' && text !== String(value)) {
      throw retryable(
        SysfsErrorType.KernelRefused,
        `kernel refused sriov_numvfs=${value} on ${pciAddress} (it reads ${text}); ` +
          `the PF driver may be busy or something else changed the count — check dmesg on the host`,
        { pciAddress, wanted: value, reads: text },
      );
    }
    if (Date.now() >= deadline) {
      throw retryable(
        SysfsErrorType.KernelRefused,
        `kernel refused sriov_numvfs=${value} on ${pciAddress}: it did not take within ${options.timeoutMs} ms ` +
          `(it reads ${JSON.stringify(text)}, ${links} virtfn links); check dmesg on the host`,
        { pciAddress, wanted: value, reads: text, links },
      );
    }
    options.signal?.throwIfAborted();
    await delay(options.pollIntervalMs);
  }
}

/**
 * Sets the PF's VF count to `numVfs`: a no-op when it already is; otherwise
 * 0 first (when the count is non-zero), then `numVfs`. Validates everything
 * before the first write; never writes a count over sriov_totalvfs.
 */
export async function setNumVfs(
  root: string,
  pciAddress: string,
  numVfs: number,
  options: SetNumVfsOptions = {},
): Promise<SetNumVfsResult> {
  assertPciAddress(pciAddress);
  const invalid = checkNumVfs(numVfs);
  if (invalid) throw nonRetryable(SysfsErrorType.InvalidNumVfs, invalid, { pciAddress, numVfs });
  const pfDir = await requirePciDevice(root, pciAddress);
  const total = await readTotalVfs(root, pciAddress);
  const over = checkNumVfs(numVfs, total, pciAddress);
  if (over) throw nonRetryable(SysfsErrorType.NumVfsOverTotal, over, { pciAddress, numVfs, totalVfs: total });

  const wait = {
    timeoutMs: options.timeoutMs ?? 5000,
    pollIntervalMs: options.pollIntervalMs ?? 5,
    signal: options.signal,
  };
  const file = path.join(pfDir, 'sriov_numvfs');
  const previous = await readNumVfs(root, pciAddress);
  const writes: number[] = [];
  if (previous === numVfs) {
    await waitForCount(pciAddress, pfDir, numVfs, wait); // the links may still be catching up
    return { previous, current: numVfs, writes };
  }
  for (const value of previous !== 0 && numVfs !== 0 ? [0, numVfs] : [numVfs]) {
    options.signal?.throwIfAborted();
    await writeAttr(file, String(value), `sriov_numvfs=${value} on ${pciAddress}`);
    writes.push(value);
    await waitForCount(pciAddress, pfDir, value, wait);
  }
  return { previous, current: numVfs, writes };
}

/** The SR-IOV PFs of a host: PCI functions with sriov_totalvfs, in address order, with their netdev names. */
export async function listPfs(root: string): Promise<Array<{ pciAddress: string; netdevs: string[] }>> {
  const dir = path.join(root, 'bus', 'pci', 'devices');
  const out = [];
  for (const addr of (await fs.readdir(dir)).sort()) {
    if (checkPciAddress(addr) !== undefined) continue;
    try {
      await fs.access(path.join(dir, addr, 'sriov_totalvfs'));
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') continue; // not an SR-IOV PF
      throw err;
    }
    out.push({ pciAddress: addr, netdevs: await readNetdevs(root, addr) });
  }
  return out;
}
