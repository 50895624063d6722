/**
 * The sysfs SR-IOV helpers against the sim kernel: counts go through 0,
 * nothing is written for bad input, refusals surface as KernelRefused.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import {
  bindDriver,
  listVfs,
  pfDevicePath,
  readDriver,
  readNumVfs,
  readTotalVfs,
  setNumVfs,
} from '../../activities/sysfs';
import { createSysfsTree, startSimKernel } from '../../sim/sysfs';
import { failure } from '../support/failure';
import type { SimKernel } from '../../sim/sysfs';

const PF = '0000:3b:00.0';

let root: string;
let kernel: SimKernel;

const numvfsChanges = () => kernel.events.filter((e) => e.kind === 'numvfs').map((e) => [e.from, e.to]);

/** Everything under root with its content or link target: proof that nothing was written. */
function snapshot(dir = root): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) out[p] = `-> ${fs.readlinkSync(p)}`;
    else if (entry.isDirectory()) Object.assign(out, snapshot(p));
    else out[p] = `${fs.readFileSync(p, 'utf8')} @${fs.statSync(p).mtimeMs}`;
  }
  return out;
}

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-sriov-'));
  createSysfsTree(root, { pfs: [{ pciAddress: PF, totalVfs: 8 }] });
  kernel = startSimKernel(root);
});

afterEach(async () => {
  await kernel.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('reading', () => {
  it('reads totalvfs and numvfs, lists VFs with driver and netdev', async () => {
    expect(pfDevicePath(root, PF)).toBe(path.join(root, 'bus/pci/devices', PF));
    expect(await readTotalVfs(root, PF)).toBe(8);
    expect(await readNumVfs(root, PF)).toBe(0);
    expect(await listVfs(root, PF)).toEqual([]);
    await setNumVfs(root, PF, 2);
    expect(await listVfs(root, PF)).toEqual([
      { index: 0, pciAddress: '0000:3b:00.1', driver: 'mlx5_core', netdevs: ['enp59s0f0v0'] },
      { index: 1, pciAddress: '0000:3b:00.2', driver: 'mlx5_core', netdevs: ['enp59s0f0v1'] },
    ]);
  });

  it('says when a PCI function is not an SR-IOV PF', async () => {
    const dev = path.join(root, 'devices/pci0000:00/0000:00:1f.0');
    fs.mkdirSync(dev, { recursive: true });
    fs.symlinkSync(
      '../../../devices/pci0000:00/0000:00:1f.0',
      path.join(root, 'bus/pci/devices/0000:00:1f.0'),
    );
    const err = await failure(readTotalVfs(root, '0000:00:1f.0'));
    expect(err.type).toBe('SriovNotSupported');
    expect(err.nonRetryable).toBe(true);
  });
});

describe('setNumVfs', () => {
  it('goes 0 -> 4 -> 2 through 0, and the kernel saw the 0 write', async () => {
    expect(await setNumVfs(root, PF, 4)).toEqual({ previous: 0, current: 4, writes: [4] });
    expect((await listVfs(root, PF)).map((v) => v.pciAddress)).toEqual([
      '0000:3b:00.1',
      '0000:3b:00.2',
      '0000:3b:00.3',
      '0000:3b:00.4',
    ]);
    expect(await setNumVfs(root, PF, 2)).toEqual({ previous: 4, current: 2, writes: [0, 2] });
    expect(numvfsChanges()).toEqual([
      [0, 4],
      [4, 0],
      [0, 2],
    ]);
    expect(kernel.refusals).toEqual([]);
    expect(await readNumVfs(root, PF)).toBe(2);
    expect(await listVfs(root, PF)).toHaveLength(2);
  });

  it('is a no-op when the count is already there, and goes to 0 in one write', async () => {
    await setNumVfs(root, PF, 3);
    expect(await setNumVfs(root, PF, 3)).toEqual({ previous: 3, current: 3, writes: [] });
    expect(await setNumVfs(root, PF, 0)).toEqual({ previous: 3, current: 0, writes: [0] });
    expect(numvfsChanges()).toEqual([
      [0, 3],
      [3, 0],
    ]);
  });

  it('waits for a slow kernel', async () => {
    await kernel.stop();
    kernel = startSimKernel(root, { latencyMs: 30 });
    expect(await setNumVfs(root, PF, 5)).toMatchObject({ current: 5 });
    expect(await setNumVfs(root, PF, 1)).toMatchObject({ previous: 5, current: 1, writes: [0, 1] });
    expect(await listVfs(root, PF)).toHaveLength(1);
  });

  it('converges over many changes with no refusal', async () => {
    const counts = [1, 8, 8, 0, 5, 2, 0, 0, 7, 3, 6, 1];
    for (const n of counts) await setNumVfs(root, PF, n);
    expect(await listVfs(root, PF)).toHaveLength(1);
    expect(kernel.refusals).toEqual([]);
    // Every non-zero count was reached from 0.
    for (const [from, to] of numvfsChanges()) expect(from === 0 || to === 0).toBe(true);
  });

  it('refuses a count over sriov_totalvfs, writing nothing', async () => {
    await setNumVfs(root, PF, 2);
    const before = snapshot();
    const events = kernel.events.length;
    const err = await failure(setNumVfs(root, PF, 9));
    expect(err.type).toBe('NumVfsOverTotal');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('numVfs 9 is over sriov_totalvfs 8 of 0000:3b:00.0');
    expect(snapshot()).toEqual(before);
    expect(kernel.events).toHaveLength(events);
  });

  it.each([-1, 1.5, Number.NaN])('refuses numVfs %p, writing nothing', async (n) => {
    const before = snapshot();
    const err = await failure(setNumVfs(root, PF, n));
    expect(err.type).toBe('InvalidNumVfs');
    expect(err.nonRetryable).toBe(true);
    expect(snapshot()).toEqual(before);
  });

  // Decision: addresses must be exactly DDDD:BB:DD.F in lowercase hex, as
  // sysfs names them. Uppercase is refused, not folded: it is a caller bug.
  it.each([
    '0000:03:00',
    '../../etc',
    '0000:03:00.0/../x',
    '0000:3B:00.0',
    '0000:3b:00.0 ',
    '',
    '0000:3b:20.0',
  ])('refuses PCI address %p before building any path, writing nothing', async (addr) => {
    const before = snapshot();
    const err = await failure(setNumVfs(root, addr, 1));
    expect(err.type).toBe('InvalidPciAddress');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(JSON.stringify(addr));
    expect(() => pfDevicePath(root, addr)).toThrow(ApplicationFailure);
    await expect(readNumVfs(root, addr)).rejects.toMatchObject({ type: 'InvalidPciAddress' });
    expect(snapshot()).toEqual(before);
    expect(kernel.events).toEqual([]);
  });

  it('names an unknown PF', async () => {
    const err = await failure(setNumVfs(root, '0000:04:00.0', 1));
    expect(err.type).toBe('PciDeviceNotFound');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('0000:04:00.0');
  });

  it('reports a refused write as KernelRefused (retryable), naming value, PF and what it reads', async () => {
    await setNumVfs(root, PF, 2);
    kernel.failWrites(PF, 1, 'EIO');
    // The 0 write is refused: the count stays 2.
    const err = await failure(setNumVfs(root, PF, 4));
    expect(err.type).toBe('KernelRefused');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toMatch(/^kernel refused sriov_numvfs=0 on 0000:3b:00.0 \(it reads 2\)/);
    expect(await listVfs(root, PF)).toHaveLength(2);
    // A retry goes through.
    expect(await setNumVfs(root, PF, 4)).toMatchObject({ previous: 2, current: 4, writes: [0, 4] });
  });

  it('reports a count that never takes (no kernel) as KernelRefused after the timeout', async () => {
    await kernel.stop();
    const err = await failure(setNumVfs(root, PF, 3, { timeoutMs: 100 }));
    expect(err.type).toBe('KernelRefused');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain(
      'kernel refused sriov_numvfs=3 on 0000:3b:00.0: it did not take within 100 ms',
    );
    kernel = startSimKernel(root);
  });

  it('stops waiting when its signal aborts', async () => {
    await kernel.stop();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 30);
    await expect(setNumVfs(root, PF, 3, { signal: controller.signal })).rejects.toThrow('cancelled');
    kernel = startSimKernel(root);
  });
});

describe('bindDriver', () => {
  it('binds a VF to vfio-pci through driver_override, and back', async () => {
    await setNumVfs(root, PF, 1);
    const [vf] = await listVfs(root, PF);
    expect(await bindDriver(root, vf.pciAddress, 'vfio-pci')).toEqual({
      previous: 'mlx5_core',
      current: 'vfio-pci',
    });
    expect(await readDriver(root, vf.pciAddress)).toBe('vfio-pci');
    expect((await listVfs(root, PF))[0]).toMatchObject({ driver: 'vfio-pci', netdevs: [] });
    // Idempotent.
    expect(await bindDriver(root, vf.pciAddress, 'vfio-pci')).toEqual({
      previous: 'vfio-pci',
      current: 'vfio-pci',
    });
    expect(await bindDriver(root, vf.pciAddress, 'mlx5_core')).toEqual({
      previous: 'vfio-pci',
      current: 'mlx5_core',
    });
    expect((await listVfs(root, PF))[0]).toMatchObject({ driver: 'mlx5_core', netdevs: ['enp59s0f0v0'] });
    expect(kernel.refusals).toEqual([]);
  });

  it('refuses a driver name that could be a path', async () => {
    await setNumVfs(root, PF, 1);
    const [vf] = await listVfs(root, PF);
    await expect(bindDriver(root, vf.pciAddress, '../vfio-pci')).rejects.toMatchObject({
      type: 'InvalidDriverName',
    });
    expect(await readDriver(root, vf.pciAddress)).toBe('mlx5_core');
  });
});
