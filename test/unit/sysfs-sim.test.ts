/**
 * The simulated sysfs and its kernel, exercised with plain file writes
 * (as production code and `echo N > sriov_numvfs` would do them).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import execa from 'execa';
import { createSysfsTree, startSimKernel, vfPciAddress } from '../../sim/sysfs';
import type { SimKernel, SysfsTree } from '../../sim/sysfs';

const PF = '0000:03:00.0';

let root: string;
let tree: SysfsTree;
let kernel: SimKernel;

const dev = (addr: string) => path.join(root, 'bus/pci/devices', addr);
const numvfsFile = () => path.join(dev(PF), 'sriov_numvfs');
const read = (p: string) => fs.readFileSync(p, 'utf8').trim();
const virtfns = (pf = PF) =>
  fs
    .readdirSync(dev(pf))
    .filter((n) => /^virtfn\d+$/.test(n))
    .sort();

async function waitUntil(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(2);
  }
}

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-sysfs-'));
  tree = createSysfsTree(root, { pfs: [{ pciAddress: PF, totalVfs: 16 }] });
  kernel = startSimKernel(root);
});

afterEach(async () => {
  await kernel.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('PCI address arithmetic', () => {
  it('puts VF k at the PF routing ID + offset + k, wrapping into the next device and bus', () => {
    expect(vfPciAddress('0000:03:00.0', 0)).toBe('0000:03:00.1');
    expect(vfPciAddress('0000:03:00.0', 6)).toBe('0000:03:00.7');
    expect(vfPciAddress('0000:03:00.0', 7)).toBe('0000:03:01.0');
    expect(vfPciAddress('0000:03:00.0', 0, 2)).toBe('0000:03:00.2');
    expect(vfPciAddress('0000:03:1f.7', 0)).toBe('0000:04:00.0');
    expect(vfPciAddress('0001:af:00.1', 8)).toBe('0001:af:01.2');
    expect(() => vfPciAddress('0000:ff:1f.7', 0)).toThrow(/past bus ff/);
  });

  it('refuses a tree where a PF and a VF would share an address', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-sysfs-'));
    try {
      expect(() =>
        createSysfsTree(other, {
          pfs: [
            { pciAddress: '0000:03:00.0', totalVfs: 4 },
            { pciAddress: '0000:03:00.1', totalVfs: 4 },
          ],
        }),
      ).toThrow(/VF 0 of 0000:03:00.0 and PF 0000:03:00.1 .*set vfOffset/);
      expect(fs.readdirSync(other)).toEqual([]);
      // With the offset ConnectX uses, two PFs coexist.
      createSysfsTree(other, {
        pfs: [
          { pciAddress: '0000:03:00.0', totalVfs: 4, vfOffset: 2, vfStride: 1 },
          { pciAddress: '0000:03:00.1', totalVfs: 4, vfOffset: 5, vfStride: 1 },
        ],
      });
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('tree layout', () => {
  it('mirrors Linux: bus link to the device folder, attributes, driver link, netdev, driver files', () => {
    expect(fs.realpathSync(dev(PF))).toBe(fs.realpathSync(path.join(root, 'devices/pci0000:00', PF)));
    expect(fs.readlinkSync(dev(PF))).toBe(`../../../devices/pci0000:00/${PF}`);
    expect(read(path.join(dev(PF), 'vendor'))).toBe('0x15b3');
    expect(read(path.join(dev(PF), 'device'))).toBe('0xa2d6');
    expect(read(path.join(dev(PF), 'sriov_totalvfs'))).toBe('16');
    expect(read(path.join(dev(PF), 'sriov_numvfs'))).toBe('0');
    expect(read(path.join(dev(PF), 'sriov_drivers_autoprobe'))).toBe('1');
    expect(fs.readlinkSync(path.join(dev(PF), 'driver'))).toBe('../../../bus/pci/drivers/mlx5_core');
    expect(fs.realpathSync(path.join(dev(PF), 'driver'))).toBe(
      fs.realpathSync(path.join(root, 'bus/pci/drivers/mlx5_core')),
    );
    expect(fs.readdirSync(path.join(dev(PF), 'net'))).toEqual(['enp3s0f0']);
    expect(read(path.join(dev(PF), 'net/enp3s0f0/address'))).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(read(path.join(dev(PF), 'net/enp3s0f0/mtu'))).toBe('1500');
    expect(read(path.join(dev(PF), 'net/enp3s0f0/operstate'))).toBe('down');
    for (const drv of ['mlx5_core', 'vfio-pci']) {
      for (const f of ['bind', 'unbind'])
        expect(fs.existsSync(path.join(root, 'bus/pci/drivers', drv, f))).toBe(true);
    }
    expect(fs.existsSync(path.join(root, 'bus/pci/drivers_probe'))).toBe(true);
    expect(tree.pfs).toEqual([PF]);
  });
});

describe('sim kernel: sriov_numvfs', () => {
  it('creates VFs on 0 -> N with virtfn, physfn, driver and net links, and removes them on 0', async () => {
    await fs.promises.writeFile(numvfsFile(), '8\n');
    await kernel.waitForEvent((e) => e.kind === 'numvfs' && e.to === 8);
    expect(virtfns()).toHaveLength(8);
    const vf7 = tree.vfAddress(PF, 7);
    expect(vf7).toBe('0000:03:01.0');
    expect(fs.readlinkSync(path.join(dev(PF), 'virtfn7'))).toBe(`../${vf7}`);
    const vfDir = path.join(dev(PF), 'virtfn7');
    expect(fs.realpathSync(path.join(vfDir, 'physfn'))).toBe(fs.realpathSync(dev(PF)));
    expect(fs.realpathSync(dev(vf7))).toBe(fs.realpathSync(vfDir));
    expect(path.basename(fs.readlinkSync(path.join(vfDir, 'driver')))).toBe('mlx5_core');
    expect(fs.readdirSync(path.join(vfDir, 'net'))).toEqual(['enp3s0f0v7']);
    expect(read(path.join(vfDir, 'vendor'))).toBe('0x15b3');
    expect(read(path.join(vfDir, 'device'))).toBe('0x101e');
    expect(read(path.join(vfDir, 'driver_override'))).toBe('(null)');
    expect(fs.existsSync(path.join(root, 'bus/pci/drivers/mlx5_core', vf7))).toBe(true);

    await fs.promises.writeFile(numvfsFile(), '0');
    await kernel.waitForEvent((e) => e.kind === 'numvfs' && e.to === 0);
    expect(virtfns()).toEqual([]);
    expect(fs.existsSync(dev(vf7))).toBe(false);
    expect(fs.existsSync(path.join(root, 'devices/pci0000:00', vf7))).toBe(false);
    expect(fs.existsSync(path.join(root, 'bus/pci/drivers/mlx5_core', vf7))).toBe(false);
    expect(kernel.numVfs(PF)).toBe(0);
    expect(kernel.refusals).toEqual([]);
  });

  it('refuses a count-to-count write like EBUSY and puts the old count back', async () => {
    await fs.promises.writeFile(numvfsFile(), '2');
    await waitUntil(() => virtfns().length === 2);
    await fs.promises.writeFile(numvfsFile(), '4');
    const refusal = await kernel.waitForEvent((e) => e.kind === 'refused');
    expect(refusal).toMatchObject({ kind: 'refused', errno: 'EBUSY', value: '4', device: PF });
    await waitUntil(() => read(numvfsFile()) === '2');
    expect(virtfns()).toHaveLength(2);
    expect(kernel.numVfs(PF)).toBe(2);
  });

  it('refuses a count over sriov_totalvfs like ERANGE, and garbage like EINVAL', async () => {
    await fs.promises.writeFile(numvfsFile(), '17');
    await kernel.waitForEvent((e) => e.kind === 'refused' && e.errno === 'ERANGE');
    await waitUntil(() => read(numvfsFile()) === '0');
    await fs.promises.writeFile(numvfsFile(), 'lots');
    await kernel.waitForEvent((e) => e.kind === 'refused' && e.errno === 'EINVAL');
    await waitUntil(() => read(numvfsFile()) === '0');
    expect(virtfns()).toEqual([]);
    expect(kernel.events.filter((e) => e.kind === 'numvfs')).toEqual([]);
  });

  it('acts once per write: repeated inotify events of one write make one change', async () => {
    for (let i = 0; i < 10; i++) {
      await fs.promises.writeFile(numvfsFile(), '3\n');
      await waitUntil(() => virtfns().length === 3);
      await fs.promises.writeFile(numvfsFile(), '0\n');
      await waitUntil(() => virtfns().length === 0 && kernel.numVfs(PF) === 0);
    }
    await delay(30);
    const changes = kernel.events.filter((e) => e.kind === 'numvfs');
    expect(changes).toHaveLength(20);
    expect(kernel.refusals).toEqual([]);
  });

  it('sees writes from another process (echo N > sriov_numvfs)', async () => {
    await execa('bash', ['-c', 'echo 5 > "$1"', '_', numvfsFile()]);
    await kernel.waitForEvent((e) => e.kind === 'numvfs' && e.to === 5);
    expect(virtfns()).toHaveLength(5);
  });

  it('injects a refusal on demand', async () => {
    kernel.failWrites(PF, 1, 'EIO');
    await fs.promises.writeFile(numvfsFile(), '2');
    await kernel.waitForEvent((e) => e.kind === 'refused' && e.errno === 'EIO');
    await waitUntil(() => read(numvfsFile()) === '0');
    await fs.promises.writeFile(numvfsFile(), '2');
    await kernel.waitForEvent((e) => e.kind === 'numvfs' && e.to === 2);
  });

  it('holds a sriov_numvfs change until released (a kill point), then acts on what the file says', async () => {
    const held = kernel.holdNumVfs(PF);
    await fs.promises.writeFile(numvfsFile(), '3');
    await held.reached;
    await delay(50); // repeated events of the write are held too
    expect(virtfns()).toEqual([]);
    expect(kernel.events.filter((e) => e.kind === 'numvfs')).toEqual([]);
    held.release();
    expect(virtfns()).toEqual(['virtfn0', 'virtfn1', 'virtfn2']);
    expect(kernel.events.filter((e) => e.kind === 'numvfs')).toMatchObject([{ from: 0, to: 3 }]);
    expect(() => kernel.holdNumVfs('0000:09:00.0')).toThrow(/no PF 0000:09:00.0/);
  });

  it('leaves VFs unbound when sriov_drivers_autoprobe is 0', async () => {
    fs.writeFileSync(path.join(dev(PF), 'sriov_drivers_autoprobe'), '0\n');
    await fs.promises.writeFile(numvfsFile(), '1');
    await kernel.waitForEvent((e) => e.kind === 'numvfs');
    const vf = path.join(dev(PF), 'virtfn0');
    expect(fs.existsSync(path.join(vf, 'driver'))).toBe(false);
    expect(fs.existsSync(path.join(vf, 'net'))).toBe(false);
  });
});

describe('sim kernel: driver binding', () => {
  it('unbind, driver_override + drivers_probe, bind: moves the driver link, honours the override', async () => {
    await fs.promises.writeFile(numvfsFile(), '1');
    await kernel.waitForEvent((e) => e.kind === 'numvfs');
    const vf = tree.vfAddress(PF, 0);
    const driverOf = () => {
      try {
        return path.basename(fs.readlinkSync(path.join(dev(vf), 'driver')));
      } catch {
        return undefined;
      }
    };
    const drivers = path.join(root, 'bus/pci/drivers');

    await fs.promises.writeFile(path.join(dev(vf), 'driver_override'), 'vfio-pci\n');
    await fs.promises.writeFile(path.join(drivers, 'mlx5_core/unbind'), vf);
    await kernel.waitForEvent((e) => e.kind === 'unbind' && e.device === vf);
    expect(driverOf()).toBeUndefined();
    expect(fs.existsSync(path.join(dev(vf), 'net'))).toBe(false);

    // With the override, mlx5_core may not take it back.
    await fs.promises.writeFile(path.join(drivers, 'mlx5_core/bind'), vf);
    await kernel.waitForEvent((e) => e.kind === 'refused' && e.errno === 'ENODEV' && e.device === vf);
    expect(driverOf()).toBeUndefined();

    await fs.promises.writeFile(path.join(root, 'bus/pci/drivers_probe'), vf);
    await kernel.waitForEvent((e) => e.kind === 'bind' && e.driver === 'vfio-pci');
    expect(driverOf()).toBe('vfio-pci');
    expect(fs.existsSync(path.join(drivers, 'vfio-pci', vf))).toBe(true);

    // Bound: a second bind is refused EBUSY.
    await fs.promises.writeFile(path.join(drivers, 'mlx5_core/bind'), vf);
    await kernel.waitForEvent((e) => e.kind === 'refused' && e.errno === 'EBUSY' && e.device === vf);

    // Back: clear the override, unbind, bind mlx5_core; the netdev returns.
    await fs.promises.writeFile(path.join(dev(vf), 'driver_override'), '\n');
    await fs.promises.writeFile(path.join(drivers, 'vfio-pci/unbind'), vf);
    await waitUntil(() => driverOf() === undefined);
    await fs.promises.writeFile(path.join(drivers, 'mlx5_core/bind'), vf);
    await kernel.waitForEvent((e) => e.kind === 'bind' && e.driver === 'mlx5_core' && e.device === vf);
    expect(driverOf()).toBe('mlx5_core');
    expect(fs.readdirSync(path.join(dev(vf), 'net'))).toEqual(['enp3s0f0v0']);
  });

  it('refuses a bind of an unknown device', async () => {
    await fs.promises.writeFile(path.join(root, 'bus/pci/drivers/vfio-pci/bind'), '0000:99:00.0');
    const e = await kernel.waitForEvent((ev) => ev.kind === 'refused');
    expect(e).toMatchObject({ errno: 'ENODEV', value: '0000:99:00.0' });
  });
});

describe('sim kernel: lifecycle', () => {
  it('reacts with latency when asked, still once per write', async () => {
    await kernel.stop();
    kernel = startSimKernel(root, { latencyMs: 40 });
    const t0 = Date.now();
    await fs.promises.writeFile(numvfsFile(), '2');
    await kernel.waitForEvent((e) => e.kind === 'numvfs');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(virtfns()).toHaveLength(2);
  });

  it('picks up the VFs a previous kernel made', async () => {
    await fs.promises.writeFile(numvfsFile(), '3');
    await kernel.waitForEvent((e) => e.kind === 'numvfs');
    await kernel.stop();
    kernel = startSimKernel(root);
    expect(kernel.numVfs(PF)).toBe(3);
    await fs.promises.writeFile(numvfsFile(), '4');
    await kernel.waitForEvent((e) => e.kind === 'refused' && e.errno === 'EBUSY');
  });

  it('stop() releases every watcher: no fs watch handle is left and writes no longer take', async () => {
    const watchHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    expect(watchHandles()).toBeGreaterThan(0);
    await kernel.stop();
    expect(watchHandles()).toBe(0);
    await fs.promises.writeFile(numvfsFile(), '2');
    await delay(50);
    expect(virtfns()).toEqual([]);
  });
});
