/**
 * Test BFBs that carry the Redfish software inventory NVIDIA embeds in a BFB
 * (what NVIDIA DPF reads a BFB's versions from, model/bfb-versions.ts): the
 * inventory text, without its outer braces as in a real BFB, between binary
 * stretches standing for the BFB's images.
 */
import { randomBytes } from 'node:crypto';

/**
 * An inventory as a BFB embeds it: members as in a BlueField-3 bundle, no outer braces, indented
 * (strings(1) and DPF skip runs shorter than 4, so an unindented `],` would be lost in a real BFB too).
 */
export function inventoryText(v: { bsp: string; uefi: string; atf?: string; doca?: string }): string {
  const member = (id: string, name: string, version: string) =>
    `    {"@odata.id": "/redfish/v1/UpdateService/FirmwareInventory/${id}", "@odata.type": "#SoftwareInventory.v1_4_0.SoftwareInventory", "Id": "${id}", "Name": "${name}", "Version": "${version}", "SoftwareId": "${id}"}`;
  return [
    '  "//": "This JSON represents the software inventory of this BFB",',
    '  "@odata.id": "/redfish/v1/UpdateService/FirmwareInventory",',
    '  "Name": "Software Inventory Collection",',
    '  "Members": [',
    `${member('atf', 'BF3_ATF', v.atf ?? 'v2.2(release):4.10.0-32-g8b5e7ef')},`,
    `${member('bsp', 'BF3_BSP', v.bsp)},`,
    `${member('uefi', 'BF3_UEFI', v.uefi)},`,
    `${member('doca', 'DOCA', v.doca ?? '3.0.0058')}`,
    '  ],',
    '  "Members@odata.count": 4',
  ].join('\n');
}

export const INVENTORY = inventoryText({ bsp: '4.10.0.13520', uefi: '4.10.0-32-g4e1ed9a' });

/** Binary that holds no printable run of 4 (so it cannot be taken for text). */
function binary(size: number): Buffer {
  return Buffer.from(randomBytes(size).map((b, i) => (i % 3 === 0 ? 0 : b)));
}

/** A BFB-like image: binary, the inventory (each line ended by a NUL as between a BFB's strings), binary. */
export function bfbWithInventory(inventory: string, before = 4096, after = 4096): Buffer {
  const text = Buffer.from(inventory.split('\n').join('\0'), 'latin1');
  return Buffer.concat([binary(before), Buffer.from([0]), text, Buffer.from([0]), binary(after)]);
}
