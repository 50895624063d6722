/**
 * The version after boot on the redfish path, as NVIDIA DPF checks it (model/bfb-versions.ts): the BMC
 * simulator installs a BFB carrying NVIDIA's embedded software inventory and then reports that BFB's
 * BSP and UEFI in FirmwareInventory/DPU_BSP and DPU_UEFI, as a BlueField BMC does once the DPU booted
 * it; redfishAwaitVersion accepts them, and fails naming both values and what to do when the DPU runs
 * other ones.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { openRedfish, type RedfishSession } from '../../activities/redfish/client';
import { awaitVersionActivity } from '../../activities/redfish/await-version';
import { inventoryVersion } from '../../activities/redfish/firmware';
import { versionsInBfb } from '../../model/bfb-versions';
import { startBmcSim, type BmcSim } from '../../sim/bmc';
import { bfbWithInventory, inventoryText } from '../support/bfb-inventory';

const IMAGE = bfbWithInventory(inventoryText({ bsp: '4.11.0.14000', uefi: '4.11.0-5-g0c2b1d4' }));
const DPU_OS = 'redfish/v1/UpdateService/FirmwareInventory/DPU_OS';

describe('the version after boot: the BFB inventory against the BMC', () => {
  let sim: BmcSim;
  const bmc = () => ({ address: sim.url, credentialsSecret: { name: 'bmc-account' } });
  const activity = () =>
    awaitVersionActivity({
      access: async () => ({
        endpoint: { address: sim.url, caPem: sim.caPem },
        credentials: { username: sim.username, password: sim.password },
      }),
      open: openRedfish,
    });
  const versions = async (rf: RedfishSession) => {
    const items = await rf.firmwareInventory();
    return { bsp: inventoryVersion(items, 'DPU_BSP'), uefi: inventoryVersion(items, 'DPU_UEFI') };
  };

  beforeAll(async () => {
    sim = await startBmcSim({ imageFetch: async () => IMAGE, flashSeconds: 0.3, bootSeconds: 0.3 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  test('after the install and boot the BMC reports the BFB’s BSP and UEFI, and redfishAwaitVersion takes them', async () => {
    const expected = versionsInBfb(IMAGE)!;
    const rf = await openRedfish({ address: sim.url, caPem: sim.caPem }, sim);
    try {
      expect(await versions(rf)).toEqual({ bsp: '4.9.1.13776', uefi: '4.9.1-13-g1a5f1e0' }); // before
      const ref = await rf.simpleUpdate({
        imageUri: 'http://192.0.2.1/bfb/bf-bundle-4.11.bfb',
        targets: [DPU_OS],
      });
      for (let i = 0; i < 100 && !(await rf.task(ref)).done; i++)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      await rf.close();
    }
    const r: { version: string } = await new MockActivityEnvironment().run(activity().redfishAwaitVersion, {
      dpu: 'dpu-0',
      namespace: 'ns',
      bmc: bmc(),
      expected: 'bf-bundle-4.11',
      expectedVersions: expected,
      bfb: 'bf-bundle-4.11.bfb',
      timeoutSeconds: 20,
      pollSeconds: 0.2,
    });
    expect(r.version).toBe('BSP 4.11.0.14000, UEFI 4.11.0-5-g0c2b1d4');
    const after = await openRedfish({ address: sim.url, caPem: sim.caPem }, sim);
    expect(await versions(after)).toEqual({ bsp: expected.bsp, uefi: expected.uefi });
    await after.close();
  });

  test('a DPU running other versions: BmcBootTimeout naming what the BMC reports, what the BFB holds, and what to do', async () => {
    const err = await new MockActivityEnvironment()
      .run(activity().redfishAwaitVersion, {
        dpu: 'dpu-0',
        namespace: 'ns',
        bmc: bmc(),
        expected: 'bf-bundle-4.12',
        expectedVersions: { bsp: '4.12.0.15000', uefi: '4.11.0-5-g0c2b1d4' },
        bfb: 'bf-bundle-4.12.bfb',
        timeoutSeconds: 1,
        pollSeconds: 0.2,
      })
      .then(
        () => undefined,
        (e: Error & { type?: string }) => e,
      );
    expect(err?.type).toBe('BmcBootTimeout');
    expect(err?.message).toContain(
      `DPU ns/dpu-0 runs its OS, but its BMC ${sim.url} reports BSP 4.11.0.14000 (DPU_BSP) where the BFB holds 4.12.0.15000`,
    );
    expect(err?.message).not.toContain('UEFI'); // the UEFI matches: only what differs is named
    expect(err?.message).toContain('the DPU did not boot bf-bundle-4.12.bfb');
    expect(err?.message).toContain('retry from "OS Installing"');
  });
});
