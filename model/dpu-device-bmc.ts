/**
 * The BMC block of a DPU a DPUSet makes from a DPUDevice (issue 14): the
 * BMC's address and port as the discovery recorded them, the certificate
 * SHA-256 its scan saw as the pin, and the credentials Secret of the
 * DPUDiscovery that found the device. Pure: used by the DPUSet controller.
 */
import type { BmcRef } from './install-path';
import type { DpuDeviceResource, DpuDiscoveryResource } from './resources/dpu-discovery';

/** The device's BMC block, or why it cannot be made yet (a message naming the device and what is missing). */
export function bmcOfDevice(
  device: DpuDeviceResource,
  discovery: DpuDiscoveryResource | undefined,
): { bmc: BmcRef } | { problem: string } {
  const name = device.metadata.name;
  const ip = device.status?.bmcIp ?? device.spec.bmcIp;
  const port = device.status?.bmcPort ?? device.spec.bmcPort;
  const sha = device.status?.bmcCertSha256;
  const discoveryName = device.status?.discovery;
  if (!ip)
    return { problem: `DPUDevice ${name} has no BMC address (status.bmcIp): wait for its discovery scan` };
  if (!sha) {
    return {
      problem: `DPUDevice ${name} has no BMC certificate SHA-256 (status.bmcCertSha256) to pin: wait for its discovery scan`,
    };
  }
  if (!discoveryName) {
    return {
      problem: `DPUDevice ${name} names no DPUDiscovery (status.discovery): its BMC credentials Secret is unknown; let a DPUDiscovery find it or set installPath gnoi`,
    };
  }
  if (!discovery) {
    return {
      problem: `DPUDevice ${name} names DPUDiscovery ${JSON.stringify(discoveryName)}, which does not exist: its BMC credentials Secret is unknown; recreate the discovery or set installPath gnoi`,
    };
  }
  return {
    bmc: {
      address: port ? `${ip}:${port}` : ip,
      credentialsSecret: discovery.spec.bmcCredentialsSecret,
      certSha256: sha,
    },
  };
}
