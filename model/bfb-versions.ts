/**
 * The versions a BFB installs, as NVIDIA DPF decides them and as a BlueField
 * BMC reports them after the DPU booted it. Pure: used by the control worker
 * (reading the BFB), the workflow (choosing what to expect) and the BMC
 * simulator (reporting what it installed).
 *
 * DPF takes a BFB's versions from the BFB object's `spec.versions` when given,
 * else from the Redfish software inventory NVIDIA embeds in the BFB as text
 * (found as `strings <bfb> | grep -A1000 "This JSON represents" | grep -B1000
 * "Members@odata.count"`, members `BF3_ATF`, `BF3_BSP`, `BF3_UEFI`, `DOCA`);
 * a BFB without one is an Error there (NVIDIA/doca-platform,
 * internal/provisioning/controllers/bfb/util/version.go @ 0ddff3a0fad9c9a9e61c767bbebf44aa30fe56aa,
 * internal/provisioning/controllers/bfb/state/downloading.go @ 3729310dd5fcacf48bdedb16b471545ab47ff4ad).
 * After the install DPF checks the BMC's `FirmwareInventory/DPU_UEFI` and
 * `FirmwareInventory/DPU_BSP` Versions against the BFB's UEFI and BSP
 * (checkFwVersion, internal/provisioning/controllers/dpu/state/dpu_cluster_config.go
 * @ 1bf8e0f2e95932508a4033d8361194997cef37b0).
 */

export interface BfbVersions {
  /** BF3_ATF: the Arm Trusted Firmware. */
  atf?: string;
  /** BF3_BSP: what the BMC's FirmwareInventory/DPU_BSP reports after boot. */
  bsp?: string;
  /** BF3_UEFI: what the BMC's FirmwareInventory/DPU_UEFI reports after boot. */
  uefi?: string;
  /** DOCA, as DPF formats it (major.minor.patch). */
  doca?: string;
}

/** The marker line that opens the software inventory inside a BFB. */
export const BFB_INVENTORY_START = 'This JSON represents';
/** The line that closes it. */
export const BFB_INVENTORY_END = '"Members@odata.count":';

/** The BMC's firmware inventory entries DPF compares after boot, and the BFB version each must equal. */
export const CHECKED_AFTER_BOOT = [
  { inventoryId: 'DPU_BSP', key: 'bsp', label: 'BSP' },
  { inventoryId: 'DPU_UEFI', key: 'uefi', label: 'UEFI' },
] as const;

/**
 * DPF's formatDOCAVersion: `3.0.0058` → `3.0.0`, `2.9.3008-abc` → `2.9.3` (the
 * first digit of the patch-and-build field); undefined for anything else.
 */
export function formatDocaVersion(version: string): string | undefined {
  const parts = version.split('-')[0].split('.');
  if (parts.length !== 3 || !/^[0-9]/.test(parts[2])) return undefined;
  return `${parts[0]}.${parts[1]}.${parts[2][0]}`;
}

/**
 * The versions in a BFB's embedded inventory, given its printable runs (as
 * `strings` prints them) from the start marker to the count line; DPF adds the
 * braces the embedded text lacks. Throws naming what is wrong when the text
 * is not the inventory JSON.
 */
export function versionsFromInventoryLines(lines: string[]): BfbVersions {
  const text = ['{', ...lines.map((l) => l.trim()), '}'].join('\n');
  let inv: { Members?: Array<{ Name?: unknown; Version?: unknown }> };
  try {
    inv = JSON.parse(text) as typeof inv;
  } catch (err) {
    throw new Error(`the BFB's software inventory is not JSON (${(err as Error).message})`, { cause: err });
  }
  const out: BfbVersions = {};
  for (const m of inv.Members ?? []) {
    if (typeof m.Version !== 'string' || m.Version === '') continue;
    if (m.Name === 'BF3_ATF') out.atf = m.Version;
    else if (m.Name === 'BF3_BSP') out.bsp = m.Version;
    else if (m.Name === 'BF3_UEFI') out.uefi = m.Version;
    else if (m.Name === 'DOCA') {
      const doca = formatDocaVersion(m.Version);
      if (!doca)
        throw new Error(`the BFB's DOCA version ${JSON.stringify(m.Version)} is not major.minor.patch`);
      out.doca = doca;
    }
  }
  return out;
}

/**
 * Finds the embedded inventory in a BFB's bytes, `strings`-style: runs of at
 * least 4 printable ASCII characters. Undefined when the BFB carries none.
 * (The simulator uses it on images it fetched; the control worker streams
 * large files through BfbInventoryScanner instead.)
 */
export function versionsInBfb(bytes: Uint8Array): BfbVersions | undefined {
  const scan = new BfbInventoryScanner();
  scan.push(bytes);
  return scan.end();
}

/** The same search fed in chunks, so a multi-GiB BFB is read once without holding it. */
export class BfbInventoryScanner {
  /** The printable run that the previous chunk ended in. */
  private carry = '';
  private lines: string[] | undefined;
  private done = false;

  /** Whether the inventory has been read (the rest of the file need not be). */
  get complete(): boolean {
    return this.done;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let start = 0;
    for (let i = 0; i < buf.length && !this.done; i++) {
      const c = buf[i];
      // Printable ASCII and tab, as strings(1) counts them.
      if ((c >= 0x20 && c <= 0x7e) || c === 0x09) continue;
      this.flush(this.carry + buf.toString('latin1', start, i));
      this.carry = '';
      start = i + 1;
    }
    if (!this.done) this.carry += buf.toString('latin1', start);
  }

  /** The versions found, undefined when the BFB has no inventory; throws when it has a broken one. */
  end(): BfbVersions | undefined {
    this.flush(this.carry);
    this.carry = '';
    if (!this.lines) return undefined;
    if (!this.done) throw new Error(`the BFB's software inventory has no ${BFB_INVENTORY_END} line`);
    return versionsFromInventoryLines(this.lines);
  }

  private flush(line: string): void {
    if (this.done || line.length < 4) return;
    if (!this.lines && line.includes(BFB_INVENTORY_START)) this.lines = [];
    if (this.lines) {
      this.lines.push(line);
      if (line.includes(BFB_INVENTORY_END)) this.done = true;
    }
  }
}
