/**
 * One address and port of a scan: is a BlueField BMC there, and what does it
 * say about its DPU? First the certificate (peek-certificate.ts: an empty
 * address ends there), then the Redfish client (activities/redfish/client)
 * with that certificate pinned: the service root without credentials, then,
 * with Basic authentication (no session per probed address), the
 * ComputerSystems and the FirmwareInventory, reached from the service root
 * by `@odata.id`.
 *
 * A BlueField BMC is told by its Redfish data: a ComputerSystem whose
 * Manufacturer is NVIDIA (or Mellanox, on older BMC firmware) and whose Model
 * or Id names BlueField (NVIDIA's BlueField BMC serves the DPU as
 * `/redfish/v1/Systems/Bluefield` and itself as `/redfish/v1/Managers/Bluefield_BMC`,
 * NVIDIA BlueField BMC documentation, "Redfish" chapter; DPF's Redfish
 * install path reads the same resources). Its SerialNumber names the DPUDevice.
 */
import { isRedfishError, openRedfish, type ComputerSystem } from '../client';
import type { FoundBmc } from '../../../model/dpu-discovery-api';
import { peekCertificate } from './peek-certificate';

export type ProbeOutcome =
  { kind: 'absent' } | { kind: 'found'; bmc: FoundBmc } | { kind: 'skipped'; why: string };

export interface ProbeTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  timeoutMs: number;
}

/**
 * The host side of a DPU (its PCI address and host name). DMTF's
 * ComputerSystem has no property for them, so they come from an Oem block:
 * `Oem.Xpuflow` as the BMC simulator (sim/bmc) serves it, for a BMC set up to
 * report it. A BMC that reports neither gives a DPUDevice without a DPUNode
 * (a DPUSet cannot place it until they are known).
 */
interface HostFacts {
  HostPciAddress?: string | null;
  HostName?: string | null;
}
interface BlueFieldSystem extends ComputerSystem {
  Oem?: { Xpuflow?: HostFacts };
}

/** Whether a ComputerSystem is a BlueField DPU's. */
export function isBlueField(sys: ComputerSystem): boolean {
  const vendor = /nvidia|mellanox/i.test(sys.Manufacturer ?? '');
  const named = /bluefield/i.test(sys.Model ?? '') || /^bluefield$/i.test(sys.Id ?? '');
  return vendor && named;
}

export async function probeBmc(t: ProbeTarget): Promise<ProbeOutcome> {
  const where = `${t.address}:${t.port}`;
  const peek = await peekCertificate(t.address, t.port, t.timeoutMs);
  if (peek.kind === 'closed') return { kind: 'absent' };
  if (peek.kind === 'notTls') return { kind: 'skipped', why: `${where}: not an HTTPS service (${peek.why})` };
  let session;
  try {
    session = await openRedfish(
      { address: where, certSha256: peek.certSha256 },
      { username: t.username, password: t.password },
      { auth: 'basic', timeoutMs: t.timeoutMs },
    );
  } catch (err) {
    if (!isRedfishError(err)) throw err;
    if (err.kind === 'Unauthorized')
      return {
        kind: 'skipped',
        why: `${where}: the BMC refused the credentials; check the DPUDiscovery's bmcCredentialsSecret`,
      };
    return {
      kind: 'skipped',
      why: `${where}: not a Redfish service we can read (${err.kind}: ${err.message})`,
    };
  }
  try {
    const dpu = (await session.systems()).find(isBlueField) as BlueFieldSystem | undefined;
    if (!dpu?.SerialNumber)
      return {
        kind: 'skipped',
        why: `${where}: a Redfish service, but no BlueField ComputerSystem with a SerialNumber`,
      };
    const firmwareVersions: Record<string, string> = {};
    for (const item of await session.firmwareInventory())
      if (item.Id && typeof item.Version === 'string') firmwareVersions[item.Id] = item.Version;
    const pci = dpu.Oem?.Xpuflow?.HostPciAddress;
    const host = dpu.Oem?.Xpuflow?.HostName;
    return {
      kind: 'found',
      bmc: {
        address: t.address,
        port: t.port,
        serialNumber: dpu.SerialNumber,
        manufacturer: dpu.Manufacturer ?? '',
        model: dpu.Model ?? '',
        ...(pci ? { pciAddress: pci } : {}),
        ...(host ? { hostName: host } : {}),
        firmwareVersions,
        certSha256: peek.certSha256,
      },
    };
  } catch (err) {
    if (!isRedfishError(err)) throw err;
    return { kind: 'skipped', why: `${where}: ${err.kind}: ${err.message}` };
  } finally {
    await session.close();
  }
}
