/**
 * Which PCI functions are xPUs: the IDs discovery recognises, and the rule
 * for a Mellanox function that looks like a DPU but is in no list (reported,
 * never guessed).
 */

export const MELLANOX_VENDOR_ID = '0x15b3';

export interface XpuId {
  /** `0xhhhh`, lowercase, as sysfs `vendor` shows it. */
  vendor: string;
  /** `0xhhhh`, lowercase, as sysfs `device` shows it. */
  device: string;
  /** The model name written into the Node's discovered-devices record. */
  model: string;
}

/**
 * BlueField-2 and BlueField-3, the two IDs NVIDIA's DPF detector looks for:
 *   // 0xa2dc: MT43244 BlueField-3 integrated ConnectX-7 network controller
 *   // 0xa2d6: MT42822 BlueField-2 integrated ConnectX-6 Dx network controller
 *   deviceList := []string{"0xa2dc", "0xa2d6"}
 * (NVIDIA/doca-platform cmd/dpudetector/main.go @ 6acfda03356adceb17657555ce4ecca01f6bb32c).
 * DPF compares only the device ID; the vendor is checked here too, since
 * device IDs are per vendor. The names match Linux's mlx5_core_pci_table
 * (drivers/net/ethernet/mellanox/mlx5/core/main.c: 0xa2d6 "BlueField-2
 * integrated ConnectX-6 Dx network controller", 0xa2dc "BlueField-3
 * integrated ConnectX-7 network controller").
 */
export const BLUEFIELD_IDS: readonly XpuId[] = [
  { vendor: MELLANOX_VENDOR_ID, device: '0xa2d6', model: 'BlueField-2' },
  { vendor: MELLANOX_VENDOR_ID, device: '0xa2dc', model: 'BlueField-3' },
];

/**
 * A Mellanox function that looks like a DPU: a device ID in 0xa2xx, the
 * range Linux's mlx5_core_pci_table gives every BlueField's integrated
 * network controller (0xa2d2 BlueField, 0xa2d6 BlueField-2, 0xa2dc
 * BlueField-3, 0xa2df BlueField-4; drivers/net/ethernet/mellanox/mlx5/core/main.c).
 * ConnectX NICs are 0x10xx and are not DPUs.
 */
export function looksLikeDpu(vendor: string, device: string): boolean {
  return vendor === MELLANOX_VENDOR_ID && /^0xa2[0-9a-f]{2}$/.test(device);
}

const HEX16 = /^0x[0-9a-f]{4}$/;

/**
 * Parses `--xpu-id` entries, `VENDOR:DEVICE=MODEL` (`0x15b3:0xa2df=BlueField-4`).
 * Throws naming the entry and the expected form.
 */
export function parseXpuId(entry: string): XpuId {
  const m = /^\s*(0x[0-9a-fA-F]{4}):(0x[0-9a-fA-F]{4})=([A-Za-z0-9][A-Za-z0-9 ._-]{0,62})\s*$/.exec(entry);
  if (!m) {
    throw new Error(
      `xPU ID ${JSON.stringify(entry)} is not VENDOR:DEVICE=MODEL (e.g. 0x15b3:0xa2df=BlueField-4): fix it`,
    );
  }
  return { vendor: m[1].toLowerCase(), device: m[2].toLowerCase(), model: m[3].trim() };
}

/** The built-in BlueField IDs and the configured ones; a configured ID may rename a built-in one. */
export function xpuIdTable(extra: readonly XpuId[] = []): XpuId[] {
  const byKey = new Map<string, XpuId>();
  for (const id of [...BLUEFIELD_IDS, ...extra]) {
    if (!HEX16.test(id.vendor) || !HEX16.test(id.device)) {
      throw new Error(`xPU ID ${id.vendor}:${id.device} is not two 0xhhhh IDs: fix it`);
    }
    byKey.set(`${id.vendor}:${id.device}`, id);
  }
  return [...byKey.values()];
}
