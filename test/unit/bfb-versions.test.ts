/**
 * The versions a BFB installs, read from the Redfish software inventory NVIDIA embeds in it, the way
 * NVIDIA DPF's BFB controller reads them (model/bfb-versions.ts): found among the BFB's printable runs
 * in whatever chunks the file arrives, DOCA formatted as DPF formats it, nothing for a BFB without one,
 * and an error naming what is wrong for a broken one.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanBfbVersions } from '../../activities/bfb/bfb-versions';
import { BfbInventoryScanner, formatDocaVersion, versionsInBfb } from '../../model/bfb-versions';
import { bfbWithInventory, INVENTORY } from '../support/bfb-inventory';

test('the inventory between binary images gives BSP, UEFI, ATF and DOCA (DPF: 3.0.0058 → 3.0.0)', () => {
  expect(versionsInBfb(bfbWithInventory(INVENTORY))).toEqual({
    atf: 'v2.2(release):4.10.0-32-g8b5e7ef',
    bsp: '4.10.0.13520',
    uefi: '4.10.0-32-g4e1ed9a',
    doca: '3.0.0',
  });
});

test('the same versions whatever the chunk boundaries', () => {
  const bytes = bfbWithInventory(INVENTORY);
  const whole = versionsInBfb(bytes);
  for (const size of [1, 3, 7, 64, 1000]) {
    const scan = new BfbInventoryScanner();
    for (let i = 0; i < bytes.length; i += size) scan.push(bytes.subarray(i, i + size));
    expect({ size, v: scan.end() }).toEqual({ size, v: whole });
  }
});

test('a BFB without an inventory gives none; a broken one is refused naming why', () => {
  expect(versionsInBfb(randomBytes(64 << 10).map((b) => (b < 0x20 ? b : 0)))).toBeUndefined();
  expect(versionsInBfb(Buffer.from('plain text BFB from a test, no inventory\n'))).toBeUndefined();
  const cut = INVENTORY.slice(0, INVENTORY.indexOf('"Members@odata.count"'));
  expect(() => versionsInBfb(bfbWithInventory(cut))).toThrow(/has no "Members@odata.count": line/);
  const broken = INVENTORY.replace('"Name": "BF3_BSP"', '"Name" "BF3_BSP"');
  expect(() => versionsInBfb(bfbWithInventory(broken))).toThrow(/software inventory is not JSON/);
  const badDoca = INVENTORY.replace('3.0.0058', '3.0');
  expect(() => versionsInBfb(bfbWithInventory(badDoca))).toThrow(
    /DOCA version "3.0" is not major.minor.patch/,
  );
});

test("formatDocaVersion keeps DPF's major.minor and the patch field's first digit", () => {
  expect(formatDocaVersion('2.9.3008')).toBe('2.9.3');
  expect(formatDocaVersion('3.0.0058-abcde')).toBe('3.0.0');
  expect(formatDocaVersion('3.0')).toBeUndefined();
  expect(formatDocaVersion('3.0.x1')).toBeUndefined();
});

test('scanBfbVersions reads a BFB file up to the inventory and no further', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bfb-versions-'));
  try {
    const file = path.join(dir, 'bf-bundle.bfb');
    const head = bfbWithInventory(INVENTORY);
    fs.writeFileSync(file, Buffer.concat([head, Buffer.alloc(24 << 20)])); // 24 MiB of images after it
    let read = 0;
    const v = await scanBfbVersions(file, (n) => (read = n));
    expect(v?.bsp).toBe('4.10.0.13520');
    expect(read).toBeLessThan(8 << 20); // stopped within the first two 4 MiB reads
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
