/**
 * DPUDevice, DPUNode and DPUDiscovery as NVIDIA DPF defines them, in
 * xpuflow's group (charts/xpuflow/crds/provisioning.xpuflow.dev_dpudevices.yaml,
 * _dpunodes.yaml, _dpudiscoveries.yaml). Field names follow DPF's Go types:
 *   NVIDIA/doca-platform api/provisioning/v1alpha1/dpudevice_types.go @ 1294888a03bbc58cc4dd3c121699778a0d7c7e0d
 *   NVIDIA/doca-platform api/provisioning/v1alpha1/dpunode_types.go @ 0813ef24dc692a420a9405f1686f84130617d577
 *   NVIDIA/doca-platform api/provisioning/v1alpha1/dpudiscovery_types.go @ 1f7af1ed689d8e8fe94e3e2b672271138b23c52c
 * xpuflow's additions are marked as such: a CIDR beside DPF's start/end range,
 * several ports, the BMC credentials Secret, firmware versions and the
 * certificate fingerprint on the device, and a Reachable condition.
 */
import { GROUP, type KubeCondition, type Resource } from './common';

/** DPF's IPRange: a start and end address (inclusive) and the BMC port (DPF's default 443). */
export interface IpRange {
  startIP: string;
  endIP: string;
  port?: number;
}

/** DPF's IPRangeValidationSpec, with xpuflow's `cidr` (instead of ipRange) and `ports` (instead of ipRange.port). */
export interface IpRangeSpec {
  ipRange?: IpRange;
  cidr?: string;
  ports?: number[];
}

export interface DpuDiscoverySpec {
  ipRangeSpec: IpRangeSpec;
  /** A Kubernetes duration ("30m", "1h", DPF's default "1h"): how often the schedule scans. */
  scanInterval?: string;
  /** DPF's `workers`: addresses probed at once (default: one per 255 addresses, as DPF, at least 1). */
  workers?: number;
  /** xpuflow: the Secret (this namespace) with the BMCs' `username` and `password`. */
  bmcCredentialsSecret: { name: string; usernameKey?: string; passwordKey?: string };
  /** xpuflow: labels put on every DPUDevice this discovery finds (what a DPUSet's dpuDeviceSelector selects). */
  dpuDeviceLabels?: Record<string, string>;
  /** xpuflow: scanning stops (the schedule is paused) while true. */
  paused?: boolean;
}

export interface DpuDiscoveryStatus {
  observedGeneration?: number;
  /** DPF's: when the last scan finished. */
  lastScanTime?: string;
  /** DPF's: BlueField BMCs the last scan found. */
  foundDPUs?: number;
  /** xpuflow: DPUDevices of this discovery the last scan did not reach. */
  unreachableDPUs?: number;
  addressesScanned?: number;
  scheduleId?: string;
  scheduleUrl?: string;
  lastScanWorkflowId?: string;
  conditions?: KubeCondition[];
}
export type DpuDiscoveryResource = Resource<DpuDiscoverySpec, DpuDiscoveryStatus>;

export interface DpuDeviceSpec {
  /** DPF's, immutable: the DPU's serial number (from the BMC's ComputerSystem). */
  serialNumber: string;
  /** DPF's: where the DPU's BMC answers. */
  bmcIp?: string;
  bmcPort?: number;
}

export interface DpuDeviceStatus {
  serialNumber?: string;
  bmcIp?: string;
  bmcPort?: number;
  /** DPF's: the DPU's PCI address on its host (from the host's node discovery record, matched by serial). */
  pciAddress?: string;
  /** xpuflow: Manufacturer and Model as the BMC's ComputerSystem reports them. */
  manufacturer?: string;
  model?: string;
  /** xpuflow: the BMC's FirmwareInventory, `Id` → `Version` (BMC, DPU_OS, ATF, …). */
  firmwareVersions?: Record<string, string>;
  /** xpuflow: SHA-256 of the BMC's TLS certificate seen by the scan (pin it for the Redfish install path). */
  bmcCertSha256?: string;
  /** xpuflow: the DPUNode (host) this DPU sits in, when a host's node discovery reports its serial. */
  dpuNode?: string;
  /** xpuflow: the DPUDiscovery that found it, and when it last answered. */
  discovery?: string;
  lastSeenTime?: string;
  conditions?: KubeCondition[];
}
export type DpuDeviceResource = Resource<DpuDeviceSpec, DpuDeviceStatus>;

export interface DpuNodeSpec {
  /** DPF's: the DPUDevices attached to this host. */
  dpus?: Array<{ name: string }>;
}

export interface DpuNodeStatus {
  /** DPF's: gNOI, hostAgent or redfish. A node found through its BMCs is `redfish`. */
  dpuInstallInterface?: 'gNOI' | 'hostAgent' | 'redfish';
  /** DPF's: the Kubernetes Node of this host. */
  kubeNodeRef?: string;
  conditions?: KubeCondition[];
}
export type DpuNodeResource = Resource<DpuNodeSpec, DpuNodeStatus>;

/** DPF's DPUDevice condition for a device a scan identified. */
export const DISCOVERED_CONDITION = 'Discovered';
/** xpuflow: whether the last scan reached the device's BMC; False (reason Unreachable) when it did not. */
export const REACHABLE_CONDITION = 'Reachable';

/**
 * xpuflow: on a DPUDevice, whether a host's node discovery reports its serial
 * (True, reason SerialMatched; False, NoHostReportsSerial or SerialOnSeveralHosts).
 */
export const HOST_FOUND_CONDITION = 'HostFound';
/** xpuflow: on a DPUDiscovery, whether every DPU its last scan found was placed on a host (False names what was not). */
export const HOSTS_MATCHED_CONDITION = 'HostsMatched';

/** On DPUDevices and DPUNodes a discovery wrote: the DPUDiscovery's name. */
export const DPU_DISCOVERY_LABEL = `${GROUP}/dpudiscovery`;
/** On DPUDevices: the DPUNode (host) the device sits in. */
export const DPU_NODE_REF_LABEL = `${GROUP}/dpunode`;
/** Keeps a DPUDiscovery until its Temporal schedule is deleted. */
export const DPU_DISCOVERY_FINALIZER = `${GROUP}/discovery-schedule`;
