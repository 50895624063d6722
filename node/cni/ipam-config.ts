/**
 * The "ipam" section of an xpuflow-cni network configuration, checked before
 * any IPAM plugin runs. xpuflow-cni delegates IP management to one of the
 * reference IPAM plugins (ipam-plugin.ts); these checks refuse, with CNI code
 * 7 and the field named, what those plugins would refuse anyway or what would
 * otherwise reach them malformed. The plugins' own configuration formats, read in
 * github.com/containernetworking/plugins at commit 3d27709faaa4e3619f299b962d9ea24589e28f9c
 * (v1.9.1+9; the tests run the v1.10.0 release):
 *   host-local  plugins/ipam/host-local/backend/allocator/config.go: "ranges"
 *               (a list of range sets, each a list of { subnet, rangeStart,
 *               rangeEnd, gateway }), or the older flat "subnet", "rangeStart",
 *               "rangeEnd", "gateway"; "routes"; "dataDir"
 *   static      plugins/ipam/static/main.go: "addresses" [{ address (CIDR), gateway }], "routes"
 *   dhcp        plugins/ipam/dhcp/main.go: no required field (the dhcp daemon must run)
 * IPv4 and IPv6 are both accepted wherever an address or subnet is.
 */
import * as net from 'node:net';
import { CniCode, CniError } from './errors';

/** The IPAM plugins xpuflow-cni delegates to (each a binary of that name in CNI_PATH). */
export const IPAM_TYPES = ['host-local', 'static', 'dhcp'] as const;
export type IpamType = (typeof IPAM_TYPES)[number];

export interface IpamConfig {
  type: IpamType;
  [field: string]: unknown;
}

const bad = (msg: string) => new CniError(CniCode.InvalidConfig, msg);

/** `10.1.0.5/24` or `2001:db8::5/64`: an IPv4 or IPv6 address with a prefix length in range. */
export function isCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const family = net.isIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (!family || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function checkIp(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || !net.isIP(value)))
    throw bad(`${field} ${JSON.stringify(value)} is not an IPv4 or IPv6 address (10.1.0.1, 2001:db8::1)`);
}

function checkCidr(field: string, value: unknown, example: string): void {
  if (!isCidr(value))
    throw bad(`${field} ${JSON.stringify(value)} is not an IPv4 or IPv6 CIDR (e.g. ${example})`);
}

function checkRoutes(routes: unknown): void {
  if (routes === undefined) return;
  if (!Array.isArray(routes))
    throw bad(`ipam.routes ${JSON.stringify(routes)} must be a list of { "dst": "0.0.0.0/0" }`);
  routes.forEach((r: unknown, i) => {
    const route = (r ?? {}) as Record<string, unknown>;
    checkCidr(`ipam.routes[${i}].dst`, route.dst, '0.0.0.0/0 or ::/0');
    checkIp(`ipam.routes[${i}].gw`, route.gw);
  });
}

function checkHostLocalRange(field: string, r: unknown): void {
  const range = (r ?? {}) as Record<string, unknown>;
  checkCidr(`${field}.subnet`, range.subnet, '10.1.0.0/24 or 2001:db8::/64');
  for (const k of ['rangeStart', 'rangeEnd', 'gateway']) checkIp(`${field}.${k}`, range[k]);
}

function checkHostLocal(i: Record<string, unknown>): void {
  if (i.ranges === undefined) {
    if (i.subnet === undefined)
      throw bad(
        'ipam.ranges is missing: host-local needs "ranges": [[{ "subnet": "10.1.0.0/24" }]] (or the older "subnet")',
      );
    checkHostLocalRange('ipam', i);
  } else {
    if (!Array.isArray(i.ranges) || i.ranges.length === 0)
      throw bad(`ipam.ranges ${JSON.stringify(i.ranges)} must be a non-empty list of range sets`);
    i.ranges.forEach((set: unknown, s) => {
      if (!Array.isArray(set) || set.length === 0)
        throw bad(`ipam.ranges[${s}] ${JSON.stringify(set)} must be a non-empty list of { "subnet": ... }`);
      set.forEach((r: unknown, k) => checkHostLocalRange(`ipam.ranges[${s}][${k}]`, r));
    });
  }
  if (i.dataDir !== undefined && (typeof i.dataDir !== 'string' || !i.dataDir.startsWith('/')))
    throw bad(`ipam.dataDir ${JSON.stringify(i.dataDir)} must be an absolute folder path`);
}

function checkStatic(i: Record<string, unknown>): void {
  const addrs = i.addresses;
  if (!Array.isArray(addrs) || addrs.length === 0)
    throw bad(
      `ipam.addresses ${JSON.stringify(addrs)}: static needs a non-empty list, e.g. [{ "address": "10.1.0.5/24" }]`,
    );
  addrs.forEach((a: unknown, k) => {
    const addr = (a ?? {}) as Record<string, unknown>;
    checkCidr(`ipam.addresses[${k}].address`, addr.address, '10.1.0.5/24 or 2001:db8::5/64');
    checkIp(`ipam.addresses[${k}].gateway`, addr.gateway);
  });
}

/** The ipam section, or a CniError (code 7) naming the field that is wrong. */
export function checkIpam(ipam: unknown): IpamConfig {
  if (!ipam || typeof ipam !== 'object' || Array.isArray(ipam))
    throw bad(
      `ipam ${JSON.stringify(ipam)}: the network config needs an "ipam" object, e.g. { "type": "host-local", "ranges": [[{ "subnet": "10.1.0.0/24" }]] }`,
    );
  const i = ipam as Record<string, unknown>;
  if (!IPAM_TYPES.includes(i.type as IpamType))
    throw bad(`ipam.type ${JSON.stringify(i.type)} is not supported: use one of ${IPAM_TYPES.join(', ')}`);
  if (i.type === 'host-local') checkHostLocal(i);
  if (i.type === 'static') checkStatic(i);
  checkRoutes(i.routes);
  return i as IpamConfig;
}

/** The IPAM plugin a configuration names, when it is one xpuflow-cni delegates to (DEL's lenient reading). */
export function ipamTypeOf(ipam: unknown): IpamType | undefined {
  const type = (ipam as { type?: unknown } | undefined)?.type;
  return IPAM_TYPES.includes(type as IpamType) ? (type as IpamType) : undefined;
}
