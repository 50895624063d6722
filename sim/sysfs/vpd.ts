/**
 * Encodes a PCI function's Vital Product Data as the kernel shows it in the
 * binary sysfs file `vpd` (Linux Documentation/ABI/testing/sysfs-bus-pci @
 * 2597ba763fc44e247e462177abfe92d95bc5e6d5: "follow the VPD format defined
 * in PCI Specification 2.1 or 2.2"). Layout, with Linux's tag names
 * (include/linux/pci.h @ f1e095f1d206b81b44160f41278ce5c78641e9b7):
 *
 *   0x82 len16le "product name"                   PCI_VPD_LRDT_ID_STRING
 *   0x90 len16le PN len .. SN len .. RV len csum   PCI_VPD_LRDT_RO_DATA, keywords
 *   0x78                                           small resource end tag
 *
 * The RV byte makes the sum of every byte from the start through it zero.
 */

export interface SimVpd {
  productName: string;
  serialNumber?: string;
  partNumber?: string;
}

export function encodeVpd(vpd: SimVpd): Buffer {
  const large = (tag: number, body: Buffer) =>
    Buffer.concat([Buffer.from([tag, body.length & 0xff, body.length >> 8]), body]);
  const keyword = (key: string, value: Buffer) => {
    if (value.length > 255) throw new Error(`sim VPD: ${key} is over 255 bytes`);
    return Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([value.length]), value]);
  };
  const id = large(0x82, Buffer.from(vpd.productName, 'latin1'));
  const fields = [
    ...(vpd.partNumber ? [keyword('PN', Buffer.from(vpd.partNumber, 'latin1'))] : []),
    ...(vpd.serialNumber ? [keyword('SN', Buffer.from(vpd.serialNumber, 'latin1'))] : []),
  ];
  // RV: the checksum byte, then no reserved bytes.
  const roBody = Buffer.concat([...fields, Buffer.from('RV', 'latin1'), Buffer.from([1, 0])]);
  const ro = large(0x90, roBody);
  const upToChecksum = Buffer.concat([id, ro]);
  let sum = 0;
  for (const b of upToChecksum) sum = (sum + b) & 0xff;
  upToChecksum[upToChecksum.length - 1] = (0x100 - sum) & 0xff;
  return Buffer.concat([upToChecksum, Buffer.from([0x78])]);
}
