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
 * install path reads the same resources).
 *
 * The serial number names the DPUDevice and is the link to the DPU's host
 * (model/dpu-host-match.ts): the BMC does not report the host or the DPU's
 * PCI address there. It is read as DPF's discovery reads it, from the
 * card's Chassis (`Card1` on a BlueField-3), trimmed
 * (NVIDIA/doca-platform internal/provisioning/controllers/dpu/discovery/crawler.go
 * @ 2a41aed97200264ca110ffbc8b8ed94f5bd01405: `client.GetChassis()`,
 * `strings.Trim(chassisInfo.SerialNumber, " ")`, an empty one refused;
 * internal/provisioning/controllers/dpu/state/redfish/client/client.go
 * @ 49194c120b311de2a60dc05961b8bc1390df4a04: `redfish/v1/Chassis/{CHASSIS_ID}`),
 * reached here through the system's `Links.Chassis` rather than by a fixed
 * Id; the ComputerSystem's own SerialNumber stands in when the BMC links no
 * Chassis or the Chassis has none.
 */
import { isRedfishError, openRedfish, type ComputerSystem, type RedfishSession } from '../client';
import type { FoundBmc } from '../../../model/dpu-discovery-api';
import { peekCertificate } from './peek-certificate';

/**
 * absent: nothing listens; skipped: not a BlueField BMC we can read;
 * unusable: a BlueField BMC that gives no DPUDevice (an empty serial), which
 * the DPUDiscovery's status names.
 */
export type ProbeOutcome =
  | { kind: 'absent' }
  | { kind: 'found'; bmc: FoundBmc }
  | { kind: 'skipped'; why: string }
  | { kind: 'unusable'; why: string };

export interface ProbeTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  timeoutMs: number;
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
    const dpu = (await session.systems()).find(isBlueField);
    if (!dpu) return { kind: 'skipped', why: `${where}: a Redfish service, but no BlueField ComputerSystem` };
    const serial = await serialOf(session, dpu);
    if (!serial.value)
      return {
        kind: 'unusable',
        why: `${where}: BlueField BMC with an empty serial number (${serial.seen}): no DPUDevice is made for it; check the BMC firmware, whose Chassis should report the card's serial`,
      };
    const firmwareVersions: Record<string, string> = {};
    for (const item of await session.firmwareInventory())
      if (item.Id && typeof item.Version === 'string') firmwareVersions[item.Id] = item.Version;
    return {
      kind: 'found',
      bmc: {
        address: t.address,
        port: t.port,
        serialNumber: serial.value,
        manufacturer: dpu.Manufacturer ?? '',
        model: dpu.Model ?? '',
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

/**
 * The DPU's serial: its Chassis' SerialNumber, else the ComputerSystem's,
 * trimmed; `seen` names what each said, for the message when both are empty.
 */
async function serialOf(
  session: RedfishSession,
  dpu: ComputerSystem,
): Promise<{ value: string; seen: string }> {
  const seen: string[] = [];
  for (const link of dpu.Links?.Chassis ?? []) {
    let chassis: { Id?: string; SerialNumber?: string | null };
    try {
      chassis = await session.get<{ Id?: string; SerialNumber?: string | null }>(link['@odata.id']);
    } catch (err) {
      // A Chassis the system links to but the BMC does not serve: the system's own serial stands in.
      if (!isRedfishError(err, 'NotFound')) throw err;
      seen.push(`Chassis ${link['@odata.id']} not found`);
      continue;
    }
    const value = (chassis.SerialNumber ?? '').trim();
    if (value) return { value, seen: '' };
    seen.push(
      `Chassis ${chassis.Id ?? link['@odata.id']} SerialNumber ${JSON.stringify(chassis.SerialNumber ?? null)}`,
    );
  }
  const value = (dpu.SerialNumber ?? '').trim();
  seen.push(`ComputerSystem ${dpu.Id ?? '?'} SerialNumber ${JSON.stringify(dpu.SerialNumber ?? null)}`);
  return { value, seen: seen.join(', ') };
}
