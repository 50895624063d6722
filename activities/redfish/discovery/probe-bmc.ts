/**
 * One address and port of a scan: is a BlueField BMC there, and what does it
 * say about its DPU? A TCP connect first (an empty address costs one refused
 * or timed-out connect, no TLS), then the Redfish service root without
 * credentials, then, with them, the ComputerSystems, the Managers and the
 * FirmwareInventory, each reached from the service root by `@odata.id`.
 *
 * A BlueField BMC is told by its Redfish data: a ComputerSystem whose
 * Manufacturer is NVIDIA (or Mellanox, on older BMC firmware) and whose Model
 * or Id names BlueField (NVIDIA's BlueField BMC serves the DPU as
 * `/redfish/v1/Systems/Bluefield` and itself as `/redfish/v1/Managers/Bluefield_BMC`,
 * NVIDIA BlueField BMC documentation, "Redfish" chapter; DPF's redfish install
 * path uses the same resources). Its SerialNumber names the DPUDevice.
 */
import net from 'node:net';
import type { FoundBmc } from '../../../model/dpu-discovery-api';
import { members, odataId, redfishGet, type RedfishReadTarget } from './redfish-reads';

export type ProbeOutcome =
  { kind: 'absent' } | { kind: 'found'; bmc: FoundBmc } | { kind: 'skipped'; why: string };

/** Whether something accepts TCP connections at address:port within the timeout. */
export function tcpOpen(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const done = (open: boolean) => {
      s.destroy();
      resolve(open);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    // Refused, unreachable, reset: nothing listens there, which is the scan's "absent".
    s.once('error', () => done(false));
  });
}

interface ComputerSystem {
  Id?: string;
  Manufacturer?: string;
  Model?: string;
  SerialNumber?: string;
  HostName?: string;
  Oem?: { Nvidia?: { HostPciAddress?: string; HostName?: string } };
}

/** Whether a ComputerSystem is a BlueField DPU's. */
export function isBlueField(sys: ComputerSystem): boolean {
  const vendor = /nvidia|mellanox/i.test(sys.Manufacturer ?? '');
  const named = /bluefield/i.test(sys.Model ?? '') || /^bluefield$/i.test(sys.Id ?? '');
  return vendor && named;
}

export async function probeBmc(t: RedfishReadTarget): Promise<ProbeOutcome> {
  const where = `${t.address}:${t.port}`;
  if (!(await tcpOpen(t.address, t.port, t.timeoutMs))) return { kind: 'absent' };
  let root;
  try {
    root = await redfishGet(t, '/redfish/v1', false);
  } catch (err) {
    return { kind: 'skipped', why: `${where}: no HTTPS answer (${(err as Error).message})` };
  }
  const rootBody = root.body as
    { Systems?: unknown; Managers?: unknown; UpdateService?: unknown } | undefined;
  const systemsLink = odataId(rootBody?.Systems);
  if (root.status !== 200 || !systemsLink)
    return {
      kind: 'skipped',
      why: `${where}: not a Redfish service (GET /redfish/v1 answered ${root.status})`,
    };

  const systems = await redfishGet(t, systemsLink, true);
  if (systems.status === 401 || systems.status === 403)
    return {
      kind: 'skipped',
      why: `${where}: the BMC refused the credentials (${systems.status}); check the DPUDiscovery's bmcCredentialsSecret`,
    };
  if (systems.status !== 200)
    return { kind: 'skipped', why: `${where}: ${systemsLink} answered ${systems.status}` };
  let dpu: ComputerSystem | undefined;
  for (const link of members(systems.body)) {
    const sys = await redfishGet(t, link, true);
    if (sys.status === 200 && isBlueField(sys.body as ComputerSystem)) {
      dpu = sys.body as ComputerSystem;
      break;
    }
  }
  if (!dpu?.SerialNumber)
    return {
      kind: 'skipped',
      why: `${where}: a Redfish service, but no BlueField ComputerSystem with a SerialNumber`,
    };

  return {
    kind: 'found',
    bmc: {
      address: t.address,
      port: t.port,
      serialNumber: dpu.SerialNumber,
      manufacturer: dpu.Manufacturer ?? '',
      model: dpu.Model ?? '',
      ...hostFacts(dpu),
      firmwareVersions: await firmwareVersions(t, rootBody?.UpdateService),
      ...(root.certSha256 ? { certSha256: root.certSha256 } : {}),
    },
  };
}

/** The host side of the DPU, when the BMC reports it (NVIDIA's Oem block, else the DMTF HostName). */
function hostFacts(sys: ComputerSystem): { pciAddress?: string; hostName?: string } {
  const pci = sys.Oem?.Nvidia?.HostPciAddress;
  const host = sys.Oem?.Nvidia?.HostName ?? sys.HostName;
  return { ...(pci ? { pciAddress: pci } : {}), ...(host ? { hostName: host } : {}) };
}

/** FirmwareInventory `Id` → `Version`, through UpdateService; a BMC without one reports none. */
async function firmwareVersions(
  t: RedfishReadTarget,
  updateServiceLink: unknown,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const us = odataId(updateServiceLink);
  if (!us) return out;
  const service = await redfishGet(t, us, true);
  const inv = odataId((service.body as { FirmwareInventory?: unknown } | undefined)?.FirmwareInventory);
  if (service.status !== 200 || !inv) return out;
  const coll = await redfishGet(t, inv, true);
  for (const link of members(coll.body)) {
    const item = await redfishGet(t, link, true);
    const b = item.body as { Id?: string; Version?: string } | undefined;
    if (item.status === 200 && b?.Id && typeof b.Version === 'string') out[b.Id] = b.Version;
  }
  return out;
}
