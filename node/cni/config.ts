/**
 * The xpuflow-cni network configuration, validated before anything changes:
 *
 *   { "cniVersion": "1.0.0", "name": "vfnet", "type": "xpuflow-cni",
 *     "resourceName": "xpuflow.io/pool-a",         the device plugin pool
 *     "deviceID": "0000:03:00.2",                   or runtimeConfig.deviceID (Multus sets it)
 *     "mtu": 9000,                                   optional
 *     "hostAgentSocket": "/run/xpuflow/hostagent.sock",  optional
 *     "ipam": { "type": "static", "addresses": [{ "address": "10.1.0.5/24", "gateway": "10.1.0.1" }],
 *               "routes": [{ "dst": "0.0.0.0/0" }] }
 *          or { "type": "host-local", "subnet": "10.1.0.0/24", "rangeStart": "10.1.0.10",
 *               "rangeEnd": "10.1.0.99", "gateway": "10.1.0.1", "routes": [...] } }
 */
import { checkPciAddress } from '../../model/validation';
import { checkPod, type PodRef } from '../../model/vf';
import { CniCode, CniError, SUPPORTED_VERSIONS } from './errors';

export interface StaticIpam {
  type: 'static';
  addresses: Array<{ address: string; gateway?: string }>;
  routes?: Array<{ dst: string; gw?: string }>;
}

export interface HostLocalIpam {
  type: 'host-local';
  subnet: string;
  rangeStart?: string;
  rangeEnd?: string;
  gateway?: string;
  routes?: Array<{ dst: string; gw?: string }>;
}

export type IpamConfig = StaticIpam | HostLocalIpam;

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  resourceName: string;
  deviceID: string;
  mtu?: number;
  hostAgentSocket?: string;
  ipam: IpamConfig;
}

const CIDR4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IP4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function ipToInt(ip: string): number | undefined {
  const m = IP4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { ip: number; prefix: number } | undefined {
  const m = CIDR4.exec(cidr);
  if (!m) return undefined;
  const ip = ipToInt(m.slice(1, 5).join('.'));
  const prefix = Number(m[5]);
  if (ip === undefined || prefix > 32) return undefined;
  return { ip, prefix };
}

const bad = (msg: string) => new CniError(CniCode.InvalidConfig, msg);

function checkIpam(ipam: unknown): IpamConfig {
  if (!ipam || typeof ipam !== 'object')
    throw bad(
      'network config has no "ipam": add { "type": "static", "addresses": [...] } or { "type": "host-local", "subnet": ... }',
    );
  const i = ipam as Record<string, unknown>;
  if (i.type === 'static') {
    const addrs = i.addresses as StaticIpam['addresses'];
    if (!Array.isArray(addrs) || addrs.length === 0)
      throw bad('ipam "static" needs "addresses": [{ "address": "10.1.0.5/24" }]');
    for (const a of addrs) {
      if (!a || !parseCidr(a.address))
        throw bad(`ipam address ${JSON.stringify(a?.address)} is not an IPv4 CIDR (10.1.0.5/24)`);
      if (a.gateway !== undefined && ipToInt(a.gateway) === undefined)
        throw bad(`ipam gateway ${JSON.stringify(a.gateway)} is not an IPv4 address`);
    }
  } else if (i.type === 'host-local') {
    const subnet = parseCidr(String(i.subnet));
    if (!subnet) throw bad(`ipam subnet ${JSON.stringify(i.subnet)} is not an IPv4 CIDR (10.1.0.0/24)`);
    for (const k of ['rangeStart', 'rangeEnd', 'gateway'] as const) {
      if (i[k] !== undefined && ipToInt(String(i[k])) === undefined)
        throw bad(`ipam ${k} ${JSON.stringify(i[k])} is not an IPv4 address`);
    }
  } else {
    throw bad(`ipam type ${JSON.stringify(i.type)} is not supported: use "static" or "host-local"`);
  }
  const routes = i.routes as StaticIpam['routes'];
  if (routes !== undefined) {
    if (!Array.isArray(routes)) throw bad('ipam routes must be a list of { "dst": "0.0.0.0/0" }');
    for (const r of routes)
      if (!r || !parseCidr(r.dst)) throw bad(`ipam route dst ${JSON.stringify(r?.dst)} is not an IPv4 CIDR`);
  }
  return ipam as IpamConfig;
}

/** Parses stdin. `forDel`: DEL must not fail on config it cannot use, so only JSON and version are checked. */
export function parseNetConf(stdin: string, opts: { forDel?: boolean } = {}): NetConf {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(stdin) as Record<string, unknown>;
  } catch (err) {
    throw new CniError(
      CniCode.DecodeFailure,
      `network config on stdin is not JSON: ${(err as Error).message}`,
    );
  }
  if (!raw || typeof raw !== 'object')
    throw new CniError(CniCode.DecodeFailure, 'network config on stdin is not a JSON object');
  const version = raw.cniVersion;
  if (typeof version !== 'string') throw bad('network config has no "cniVersion" (e.g. "1.0.0")');
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new CniError(
      CniCode.IncompatibleVersion,
      `cniVersion ${JSON.stringify(version)} is not supported: use one of ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  const runtime = (raw.runtimeConfig ?? {}) as Record<string, unknown>;
  const deviceID = (raw.deviceID ?? runtime.deviceID) as string;
  const conf = { ...raw, deviceID } as unknown as NetConf;
  if (opts.forDel) return conf;
  if (typeof raw.name !== 'string' || !raw.name) throw bad('network config has no "name"');
  if (typeof raw.resourceName !== 'string' || !raw.resourceName)
    throw bad('network config has no "resourceName" (the device plugin pool, xpuflow.io/<pool>)');
  if (typeof deviceID !== 'string')
    throw bad(
      'network config has no "deviceID" (the VF\'s PCI address; Multus passes the device plugin\'s in runtimeConfig.deviceID)',
    );
  const pciProblem = checkPciAddress(deviceID);
  if (pciProblem) throw bad(`deviceID: ${pciProblem}`);
  if (
    raw.mtu !== undefined &&
    (!Number.isInteger(raw.mtu) || (raw.mtu as number) < 68 || (raw.mtu as number) > 65535)
  ) {
    throw bad(`mtu ${JSON.stringify(raw.mtu)} must be a whole number 68-65535`);
  }
  conf.ipam = checkIpam(raw.ipam);
  return conf;
}

/** CNI_ARGS "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=n;K8S_POD_UID=u" → the pod. */
export function podFromArgs(args: string): PodRef {
  const kv = Object.fromEntries(
    (args || '')
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i), p.slice(i + 1)];
      }),
  );
  const pod: PodRef = {
    namespace: kv.K8S_POD_NAMESPACE,
    name: kv.K8S_POD_NAME,
    uid: kv.K8S_POD_UID || undefined,
  };
  const problem = checkPod(pod);
  if (problem) {
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_ARGS ${JSON.stringify(args)} does not name a pod (${problem}); it needs K8S_POD_NAMESPACE and K8S_POD_NAME`,
    );
  }
  return pod;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export function checkIfname(ifname: string): void {
  if (!IFNAME.test(ifname ?? '') || ifname === '.' || ifname === '..') {
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_IFNAME ${JSON.stringify(ifname)} is not an interface name (1-15 of letters, digits, _ . -)`,
    );
  }
}
