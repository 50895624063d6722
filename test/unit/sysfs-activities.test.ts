/** The host worker's sysfs activities, run in Temporal's mock activity environment. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createSysfsActivities, listVfs } from '../../activities/sysfs';
import type { SysfsActivities } from '../../activities/sysfs';
import { createSysfsTree, startSimKernel } from '../../sim/sysfs';
import { failure } from '../support/failure';
import type { SimKernel } from '../../sim/sysfs';

const PF = '0000:03:00.0';
const NODE = 'host-1';

let root: string;
let kernel: SimKernel;
let acts: SysfsActivities;
let env: MockActivityEnvironment;

const numvfsChanges = () => kernel.events.filter((e) => e.kind === 'numvfs').map((e) => [e.from, e.to]);

/** env.run with the activity's own types (MockActivityEnvironment.run cannot infer its result). */
function run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-sysfs-acts-'));
  createSysfsTree(root, { pfs: [{ pciAddress: PF, totalVfs: 8 }] });
  kernel = startSimKernel(root);
  acts = createSysfsActivities({ sysfsRoot: root, node: NODE });
  env = new MockActivityEnvironment({ activityType: 'configureVfs' }, { logger: new DefaultLogger('ERROR') });
});

afterEach(async () => {
  await kernel.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('probeHost', () => {
  it('reports the PF and writes nothing', async () => {
    expect(await run(acts.probeHost, { pciAddress: PF, numVfs: 4 })).toEqual({
      node: NODE,
      pciAddress: PF,
      totalVfs: 8,
      numVfs: 0,
    });
    expect(kernel.events).toEqual([]);
  });

  it('fails non-retryably on an unknown address, naming address, node and root', async () => {
    const err = await failure(run(acts.probeHost, { pciAddress: '0000:81:00.0', numVfs: 1 }));
    expect(err.type).toBe('PciDeviceNotFound');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('0000:81:00.0');
    expect(err.message).toContain(NODE);
    expect(err.message).toContain(root);
  });

  it('fails non-retryably when numVfs is over totalvfs, with both numbers', async () => {
    const err = await failure(run(acts.probeHost, { pciAddress: PF, numVfs: 12 }));
    expect(err.type).toBe('NumVfsOverTotal');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toMatch(/numVfs 12 is over sriov_totalvfs 8/);
    expect(kernel.events).toEqual([]);
  });

  it('refuses a bad address', async () => {
    const err = await failure(run(acts.probeHost, { pciAddress: '../../etc', numVfs: 1 }));
    expect(err.type).toBe('InvalidPciAddress');
    expect(err.nonRetryable).toBe(true);
  });
});

describe('configureVfs and restoreVfs', () => {
  it('configures idempotently, through 0, and restores the previous count', async () => {
    const probe = await run(acts.probeHost, { pciAddress: PF, numVfs: 4 });
    expect(await run(acts.configureVfs, { pciAddress: PF, numVfs: 4 })).toEqual({ previous: 0, current: 4 });
    expect(await run(acts.configureVfs, { pciAddress: PF, numVfs: 4 })).toEqual({ previous: 4, current: 4 });
    expect(await run(acts.configureVfs, { pciAddress: PF, numVfs: 2 })).toEqual({ previous: 4, current: 2 });
    expect(numvfsChanges()).toEqual([
      [0, 4],
      [4, 0],
      [0, 2],
    ]);
    expect(await run(acts.restoreVfs, { pciAddress: PF, numVfs: probe.numVfs })).toEqual({
      previous: 2,
      current: 0,
    });
    expect(await listVfs(root, PF)).toEqual([]);
  });

  it('restoreVfs tolerates a PF already at the count', async () => {
    await run(acts.configureVfs, { pciAddress: PF, numVfs: 3 });
    const events = kernel.events.length;
    expect(await run(acts.restoreVfs, { pciAddress: PF, numVfs: 3 })).toEqual({ previous: 3, current: 3 });
    expect(kernel.events).toHaveLength(events);
  });

  it.each([
    [{ pciAddress: '0000:03:00', numVfs: 1 }, 'InvalidPciAddress'],
    [{ pciAddress: PF, numVfs: -1 }, 'InvalidNumVfs'],
    [{ pciAddress: PF, numVfs: 9 }, 'NumVfsOverTotal'],
    [{ pciAddress: '0000:04:00.0', numVfs: 1 }, 'PciDeviceNotFound'],
  ])('configureVfs(%p) fails non-retryably with %s and writes nothing', async (req, type) => {
    await run(acts.configureVfs, { pciAddress: PF, numVfs: 1 });
    const events = kernel.events.length;
    const err = await failure(run(acts.configureVfs, req));
    expect(err.type).toBe(type);
    expect(err.nonRetryable).toBe(true);
    expect(kernel.events).toHaveLength(events);
    expect(fs.readFileSync(path.join(root, 'bus/pci/devices', PF, 'sriov_numvfs'), 'utf8').trim()).toBe('1');
  });

  it('surfaces a kernel refusal as retryable KernelRefused naming the node', async () => {
    kernel.failWrites(PF, 1, 'EIO');
    const err = await failure(run(acts.configureVfs, { pciAddress: PF, numVfs: 4 }));
    expect(err.type).toBe('KernelRefused');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain(`kernel refused sriov_numvfs=4 on ${PF} (it reads 0)`);
    expect(err.message).toContain(`node ${NODE}`);
    // The next attempt converges.
    expect(await run(acts.configureVfs, { pciAddress: PF, numVfs: 4 })).toEqual({ previous: 0, current: 4 });
  });

  it('stops waiting when the activity is cancelled', async () => {
    await kernel.stop();
    const running = run(acts.configureVfs, { pciAddress: PF, numVfs: 2 });
    setTimeout(() => env.cancel(), 30);
    await expect(running).rejects.toThrow();
    kernel = startSimKernel(root);
  });
});
