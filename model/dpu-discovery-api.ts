/**
 * The discovery flow's messages and the pure rules behind them: which
 * addresses and ports a DPUDiscovery scans, how many at once, what a found
 * BMC becomes (a DPUDevice named for its serial), and the scan interval.
 * The API server refuses bad ranges first (CEL rules in
 * charts/xpuflow/crds/provisioning.xpuflow.dev_dpudiscoveries.yaml); these
 * functions hold the same limits so a caller outside Kubernetes gets them too.
 */
import type { ObjectRef } from './resources/common';
import type { IpRangeSpec } from './resources/dpu-discovery';

/** The most addresses one DPUDiscovery scans (the CRD refuses more, naming the field). */
export const MAX_SCAN_ADDRESSES = 4096;
/** DPF's default BMC port. */
export const DEFAULT_BMC_PORT = 443;
/** DPF's default worker count: one per 255 addresses (dpudiscovery docs, "Worker Scaling"). */
export const ADDRESSES_PER_WORKER = 255;
/** xpuflow's ceiling on probes in flight for one scan. */
export const MAX_SCAN_WORKERS = 256;

export interface DpuDiscoveryInput {
  discovery: ObjectRef;
  /** The generation whose spec this run scans (status.observedGeneration). */
  generation: number;
  ipRangeSpec: IpRangeSpec;
  workers: number;
  bmcCredentialsSecret: { name: string; usernameKey: string; passwordKey: string };
  dpuDeviceLabels: Record<string, string>;
  /** How long one probe (TCP connect and the Redfish reads) may take. */
  probeTimeoutMs?: number;
}

/** What one BlueField BMC told the scan. */
export interface FoundBmc {
  address: string;
  port: number;
  serialNumber: string;
  manufacturer: string;
  model: string;
  firmwareVersions: Record<string, string>;
  certSha256?: string;
}

export interface ScanResult {
  scanned: number;
  found: FoundBmc[];
  /** Addresses that answered Redfish but are not a BlueField BMC, or refused the credentials: `ip:port — why`. */
  skipped: string[];
  /** BlueField BMCs that give no DPUDevice (an empty serial): `ip:port: why`. Absent in scans before it was added. */
  unusable?: string[];
}

export interface ScanProgress {
  scanned: number;
  total: number;
  found: number;
}

export interface ApplyDiscoveryResult {
  created: string[];
  updated: string[];
  unreachable: string[];
  nodes: string[];
  /** DPUDevices no host's node discovery reports the serial of (no DPUNode yet). */
  withoutHost?: string[];
  /** Serials not written for a conflict: several BMCs report it (`serial: address, …`). */
  conflicts?: string[];
}

/** A dotted IPv4 address as a number, or undefined when `s` is not one. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The first and last address (inclusive) of an ipRangeSpec; throws naming the field when it is not a range. */
export function addressBounds(spec: IpRangeSpec): { first: number; last: number } {
  if (spec.cidr !== undefined) {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(spec.cidr);
    const base = m ? parseIpv4(m[1]) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (base === undefined || !(bits >= 0 && bits <= 32))
      throw new Error(
        `spec.ipRangeSpec.cidr ${JSON.stringify(spec.cidr)} is not an IPv4 CIDR like 10.0.0.0/24`,
      );
    const size = 2 ** (32 - bits);
    const first = base - (base % size);
    return { first, last: first + size - 1 };
  }
  const r = spec.ipRange;
  if (!r) throw new Error('spec.ipRangeSpec needs ipRange (startIP, endIP) or cidr');
  const first = parseIpv4(r.startIP);
  const last = parseIpv4(r.endIP);
  if (first === undefined)
    throw new Error(`spec.ipRangeSpec.ipRange.startIP ${JSON.stringify(r.startIP)} is not an IPv4 address`);
  if (last === undefined)
    throw new Error(`spec.ipRangeSpec.ipRange.endIP ${JSON.stringify(r.endIP)} is not an IPv4 address`);
  if (last < first)
    throw new Error(`spec.ipRangeSpec.ipRange.endIP ${r.endIP} is before startIP ${r.startIP}: swap them`);
  return { first, last };
}

/** Every address the spec covers, in order; more than MAX_SCAN_ADDRESSES is refused naming the field. */
export function scanAddresses(spec: IpRangeSpec): string[] {
  const { first, last } = addressBounds(spec);
  const count = last - first + 1;
  if (count > MAX_SCAN_ADDRESSES) {
    const field = spec.cidr !== undefined ? 'spec.ipRangeSpec.cidr' : 'spec.ipRangeSpec.ipRange.endIP';
    throw new Error(
      `${field}: the range holds ${count} addresses, over the ${MAX_SCAN_ADDRESSES} one DPUDiscovery scans: split it into several DPUDiscoveries`,
    );
  }
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(formatIpv4(n));
  return out;
}

/** The ports each address is probed on: spec.ports, else DPF's ipRange.port, else 443. */
export function scanPorts(spec: IpRangeSpec): number[] {
  if (spec.ports?.length) return [...new Set(spec.ports)];
  return [spec.ipRange?.port ?? DEFAULT_BMC_PORT];
}

/** DPF's default: one worker per 255 addresses, at least 1; an explicit count is kept within 1…MAX_SCAN_WORKERS. */
export function scanWorkers(spec: IpRangeSpec, workers?: number): number {
  if (workers !== undefined) return Math.min(MAX_SCAN_WORKERS, Math.max(1, Math.floor(workers)));
  const { first, last } = addressBounds(spec);
  return Math.max(1, Math.floor((last - first) / ADDRESSES_PER_WORKER) + 1);
}

/** A DPUDevice's name: DPF names it for the serial; lower-cased and cut to what an object name allows. */
export function dpuDeviceName(serialNumber: string): string {
  const name = serialNumber
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  if (!name) throw new Error(`serial number ${JSON.stringify(serialNumber)} gives no object name`);
  return name;
}

/** A DPUNode's name: the host name, as a DNS-1123 subdomain (DPF limits it to 48 characters). */
export function dpuNodeName(hostName: string): string {
  const name = hostName
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 48)
    .replace(/[-.]+$/, '');
  if (!name) throw new Error(`host name ${JSON.stringify(hostName)} gives no object name`);
  return name;
}

/**
 * A Kubernetes duration (metav1.Duration as written in YAML: "90s", "30m",
 * "1h30m", "500ms") in milliseconds, or undefined when it is not one.
 */
export function durationMs(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let i = 0;
  if (!s) return undefined;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]];
    i = re.lastIndex;
  }
  return total;
}
