/**
 * DMTF's own Redfish client tools (PyPI redfish-utilities) against the BlueField
 * BMC simulator, so it answers real clients the way a BMC does:
 * - rf_update.py pushes a BFB with SimpleUpdate into the DPU_OS (rshim) target,
 *   follows its task monitor to the end; the DPU then boots and reports the new
 *   version (rf_firmware_inventory.py reads it), with exactly one update started;
 * - rf_power_reset.py resets Systems/Bluefield (the reset count rises by one);
 * - rf_update.py follows a task that ends in Exception to its end.
 */
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { startBfbServer, type BfbServer } from '../../sim/bfb-server';
import { DPU_OS_TARGET, startBmcSim, type BmcSim } from '../../sim/bmc';
import { requirePrerequisites } from '../support/prerequisites';
import { caDir, runUtility } from './bmc-tools';

const { describe, test } = requirePrerequisites('bmc-dmtf-tools', ['redfish-tools']);
jest.setTimeout(120_000);

const BFB = 'bf-bundle-2.9.1-40_25.02_ubuntu-22.04_prod.bfb';
const NEW_VERSION = 'bf-bundle-2.9.1-40_25.02_ubuntu-22.04_prod';

describe('DMTF redfish-utilities against the BMC simulator', () => {
  let sim: BmcSim;
  let images: BfbServer;
  let work: { dir: string; caFile: string };
  beforeAll(async () => {
    images = await startBfbServer({ files: [{ name: BFB, sizeBytes: 64 * 1024 }] });
    sim = await startBmcSim({ bfbVersion: '4.8.0-13249', flashSeconds: 0.5, bootSeconds: 0.3 });
    work = caDir(sim);
  });
  afterAll(async () => {
    await sim?.stop();
    await images?.stop();
    if (work) fs.rmSync(work.dir, { recursive: true, force: true });
  });

  test('rf_firmware_inventory.py lists the BMC and DPU versions', async () => {
    const run = await runUtility(sim, 'rf_firmware_inventory.py', ['--id'], work.caFile, work.dir);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/DPU_OS\s+\|\s+4\.8\.0-13249/);
    expect(run.stdout).toMatch(/BMC_Firmware\s+\|\s+BF-24\.10-17/);
  });

  test('rf_update.py pushes the BFB to DPU_OS and follows the task; the DPU boots into the new version', async () => {
    const run = await runUtility(
      sim,
      'rf_update.py',
      ['--image', images.url(BFB), '--target', `/${DPU_OS_TARGET}`],
      work.caFile,
      work.dir,
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Update initiated');
    expect(run.stdout).toContain('Task is Done!');
    expect(sim.updateCount()).toBe(1);
    expect(sim.updates()).toEqual([{ id: '0', imageUri: images.url(BFB), state: 'Completed' }]);
    expect(images.requestCount(BFB)).toBe(1);
    // The new version appears once the DPU has booted (test/unit/bmc-sim.test.ts sees it before and after).
    const deadline = Date.now() + 5000;
    while (sim.installedVersion() !== NEW_VERSION && Date.now() < deadline) await delay(50);
    const inv = await runUtility(sim, 'rf_firmware_inventory.py', ['--id'], work.caFile, work.dir);
    expect(inv.stdout).toMatch(new RegExp(`DPU_OS\\s+\\|\\s+${NEW_VERSION.replace(/\./g, '\\.')}`));
  });

  test('rf_power_reset.py resets Systems/Bluefield once', async () => {
    const before = sim.resetCount();
    const run = await runUtility(
      sim,
      'rf_power_reset.py',
      ['--system', 'Bluefield', '--type', 'ForceRestart'],
      work.caFile,
      work.dir,
    );
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(sim.resetCount()).toBe(before + 1);
  });

  test('rf_update.py follows a task that ends in Exception (image fetch failed) to its end', async () => {
    sim.faults.failNextUpdate('image-fetch-fails');
    const run = await runUtility(
      sim,
      'rf_update.py',
      ['--image', images.url(BFB), '--target', `/${DPU_OS_TARGET}`],
      work.caFile,
      work.dir,
    );
    expect(run.stdout).toContain('Task is Done!');
    expect(sim.updates().at(-1)?.state).toBe('Exception');
  });
});
