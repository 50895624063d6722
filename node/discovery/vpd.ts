/**
 * Reads a PCI function's Vital Product Data, the binary file sysfs shows at
 * /sys/bus/pci/devices/<addr>/vpd ("a binary file containing the Vital
 * Product Data for the device. It should follow the VPD format defined in
 * PCI Specification 2.1 or 2.2, but users should consider that some devices
 * may have malformatted data": Linux Documentation/ABI/testing/sysfs-bus-pci
 * @ 2597ba763fc44e247e462177abfe92d95bc5e6d5).
 *
 * The resource tags and keywords are Linux's (include/linux/pci.h @
 * f1e095f1d206b81b44160f41278ce5c78641e9b7): large resource 0x82 is the
 * Identifier String (the product name), 0x90 the read-only data whose
 * keywords are 2 bytes, a length byte and the value; "SN" is the serial
 * number, "PN" the part number. Small resource tag 0x0f (byte 0x78) ends it.
 * Malformed data yields what was read before it, never an exception.
 */

export interface VitalProductData {
  productName?: string;
  serialNumber?: string;
  partNumber?: string;
}

const LARGE = 0x80;
const ID_STRING = 0x82;
const RO_DATA = 0x90;
const SMALL_END = 0x0f;

export function parseVpd(buf: Buffer): VitalProductData {
  const out: VitalProductData = {};
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i];
    if (tag & LARGE) {
      if (i + 3 > buf.length) break;
      const len = buf[i + 1] | (buf[i + 2] << 8);
      const start = i + 3;
      const end = start + len;
      if (end > buf.length) break;
      if (tag === ID_STRING) out.productName = text(buf.subarray(start, end));
      if (tag === RO_DATA) readKeywords(buf.subarray(start, end), out);
      i = end;
    } else {
      if (((tag >> 3) & 0x0f) === SMALL_END) break;
      i += 1 + (tag & 0x07);
    }
  }
  return out;
}

function readKeywords(section: Buffer, out: VitalProductData): void {
  let k = 0;
  while (k + 3 <= section.length) {
    const key = section.toString('latin1', k, k + 2);
    const len = section[k + 2];
    const value = section.subarray(k + 3, Math.min(section.length, k + 3 + len));
    if (key === 'SN') out.serialNumber = text(value);
    if (key === 'PN') out.partNumber = text(value);
    // "RV" carries the checksum and the reserved rest of the section.
    if (key === 'RV') return;
    k += 3 + len;
  }
}

/** Printable ASCII only, trimmed: VPD strings are padded with spaces or NULs. */
function text(b: Buffer): string | undefined {
  const s = b
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
  return s || undefined;
}
