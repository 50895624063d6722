/**
 * The BlueField BMC's DPU OS entry: `UpdateService/FirmwareInventory/DPU_OS`,
 * the rshim target SimpleUpdate installs a BFB into, whose Version is the
 * BFB the DPU's OS reports after boot (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go,
 * commit 07b57881ac801b42d7385ff98dd97e58182b67f1: APICheckDPUOS and
 * InstallBFB's Targets; NVIDIA's "Deploying BlueField Software Using BFB
 * from BMC", https://docs.nvidia.com/networking/display/bluefieldbmcv2410/deploying+bluefield+software+using+bfb+from+bmc).
 */
import type { FirmwareItem, RedfishSession } from './redfish-port';

/** SimpleUpdate's Targets for a BFB: the rshim/DPU OS target, spelled as NVIDIA's docs and DPF spell it. */
export const DPU_OS_TARGET = 'redfish/v1/UpdateService/FirmwareInventory/DPU_OS';

export function isDpuOs(item: FirmwareItem): boolean {
  return item.Id === 'DPU_OS' || item['@odata.id'].replace(/\/+$/, '').endsWith('/DPU_OS');
}

/** The DPU OS version the BMC reports, or undefined when it reports none (the DPU is booting, or has no OS). */
export async function dpuOsVersion(s: RedfishSession): Promise<string | undefined> {
  const item = (await s.firmwareInventory()).find(isDpuOs);
  return item?.Version || undefined;
}

/** An entry's Version by its Id (DPU_BSP, DPU_UEFI, …), or undefined when the BMC lists none. */
export function inventoryVersion(items: FirmwareItem[], id: string): string | undefined {
  const item = items.find((i) => i.Id === id || i['@odata.id'].replace(/\/+$/, '').endsWith(`/${id}`));
  return item?.Version || undefined;
}
