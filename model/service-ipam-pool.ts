/**
 * A DPUServiceIPAM's pool: which field holds it, how it splits into one
 * block per DPU node, and which addresses of a block interfaces may get.
 * The same checks as the CRD's CEL rules, so a pool the API server let
 * through (an older CRD, a client skipping validation) is still refused with
 * the field and value named.
 *
 *   network mode (ipv4Network/ipv6Network): block i is the i-th /prefixSize
 *     subnet; its gateway is base + gatewayIndex; interfaces get every other
 *     address but the subnet's own address and (IPv4) its broadcast, except
 *     in /31, /32, /127 and /128 where every address is usable (RFC 3021).
 *     Addresses carry prefixSize.
 *   subnet mode (ipv4Subnet/ipv6Subnet): the subnet's usable addresses (not
 *     the subnet's own, not the IPv4 broadcast) in runs of perNodeIPCount;
 *     the one gateway is never handed out. Addresses carry the subnet's prefix.
 *
 * Both as nvidia-k8s-ipam splits its CIDRPool and IPPool, which DPF feeds
 * from these fields (NVIDIA/doca-platform
 * api/dpuservice/v1alpha1/dpuserviceipam_types.go @ce08828fdc076a64a189bb01d684a771b9304cc9).
 */
import {
  cidrContains,
  cidrLast,
  familyBits,
  formatCidr,
  formatIp,
  isCidrError,
  parseCidr,
  parseIp,
  subnetAt,
  subnetCount,
  type Cidr,
  type IpFamily,
} from './ip-cidr';
import type { DpuServiceIpamSpec, IpamNetwork, IpamSubnet } from './resources/service-ipam';

export interface Block {
  index: bigint;
  /** How status shows it. */
  text: string;
  /** First and last address interfaces may get. */
  first: bigint;
  last: bigint;
  gateway?: bigint;
}

export interface IpamPool {
  /** `spec.ipv4Network` …: the field the pool is in. */
  field: string;
  family: IpFamily;
  cidr: Cidr;
  /** `spec.ipv4Network.network 10.0.0.0/24`: the field and value, for messages. */
  describe: string;
  blockCount: bigint;
  /** What one block is, for messages: "/28 subnets", "blocks of 8 addresses". */
  blockUnit: string;
  block(index: bigint): Block;
  /** The block whose status text this is, if it is one of the pool's. */
  blockOf(text: string): Block | undefined;
  /** An address with the prefix length CNI gets. */
  addressText(value: bigint): string;
  gatewayText(block: Block): string | undefined;
}

const MODES = ['ipv4Network', 'ipv4Subnet', 'ipv6Network', 'ipv6Subnet'] as const;

/** The spec's pool, or why it is refused (the field and value named). */
export function poolOf(spec: DpuServiceIpamSpec): IpamPool | { error: string } {
  const set = MODES.filter((m) => spec[m] !== undefined);
  if (set.length !== 1)
    return {
      error:
        set.length === 0
          ? 'spec has no pool: set one of ipv4Network, ipv4Subnet, ipv6Network, ipv6Subnet'
          : `spec sets ${set.join(' and ')}: set exactly one pool per DPUServiceIPAM`,
    };
  const mode = set[0];
  const family: IpFamily = mode.startsWith('ipv4') ? 4 : 6;
  return mode.endsWith('Network')
    ? networkPool(`spec.${mode}`, family, spec[mode] as IpamNetwork)
    : subnetPool(`spec.${mode}`, family, spec[mode] as IpamSubnet);
}

function familyCidr(field: string, text: string, family: IpFamily): Cidr | { error: string } {
  const c = parseCidr(text);
  if (isCidrError(c)) return { error: `${field} ${JSON.stringify(text)} ${c.error}` };
  if (c.family !== family)
    return { error: `${field} ${text} is an IPv${c.family} network: this field takes IPv${family}` };
  return c;
}

function networkPool(field: string, family: IpFamily, n: IpamNetwork): IpamPool | { error: string } {
  const cidr = familyCidr(`${field}.network`, n.network, family);
  if ('error' in cidr) return cidr;
  const bits = familyBits(family);
  if (!Number.isInteger(n.prefixSize) || n.prefixSize < cidr.prefix || n.prefixSize > bits)
    return {
      error: `${field}.prefixSize ${n.prefixSize} must be between the network's /${cidr.prefix} and ${bits}`,
    };
  const size = 1n << BigInt(bits - n.prefixSize);
  // RFC 3021 point-to-point links (/31; /127 likewise for IPv6) and host routes use every address.
  const whole = bits - n.prefixSize <= 1;
  if (n.gatewayIndex !== undefined && (n.gatewayIndex < 0 || BigInt(n.gatewayIndex) >= size))
    return {
      error: `${field}.gatewayIndex ${n.gatewayIndex} is outside a /${n.prefixSize} subnet (${size} addresses)`,
    };
  const block = (index: bigint): Block => {
    const sub = subnetAt(cidr, n.prefixSize, index);
    const last = cidrLast(sub);
    return {
      index,
      text: formatCidr(sub),
      first: whole ? sub.base : sub.base + 1n,
      last: whole || family === 6 ? last : last - 1n,
      ...(n.gatewayIndex !== undefined ? { gateway: sub.base + BigInt(n.gatewayIndex) } : {}),
    };
  };
  return {
    field,
    family,
    cidr,
    describe: `${field}.network ${n.network}`,
    blockCount: subnetCount(cidr, n.prefixSize),
    blockUnit: `/${n.prefixSize} subnets`,
    block,
    blockOf: (text) => {
      const c = parseCidr(text);
      if (
        isCidrError(c) ||
        c.family !== family ||
        c.prefix !== n.prefixSize ||
        !cidrContains(cidr, { family: c.family, value: c.base })
      )
        return undefined;
      return block((c.base - cidr.base) / size);
    },
    addressText: (v) => `${formatIp(family, v)}/${n.prefixSize}`,
    gatewayText: (b) => (b.gateway !== undefined ? formatIp(family, b.gateway) : undefined),
  };
}

function subnetPool(field: string, family: IpFamily, s: IpamSubnet): IpamPool | { error: string } {
  const cidr = familyCidr(`${field}.subnet`, s.subnet, family);
  if ('error' in cidr) return cidr;
  const gw = parseIp(s.gateway);
  if (!gw || !cidrContains(cidr, gw))
    return { error: `${field}.gateway ${JSON.stringify(s.gateway)} is not an address in ${s.subnet}` };
  const bits = familyBits(family);
  const whole = bits - cidr.prefix <= 1;
  const first = whole ? cidr.base : cidr.base + 1n;
  const last = whole || family === 6 ? cidrLast(cidr) : cidrLast(cidr) - 1n;
  const usable = last - first + 1n;
  if (!Number.isInteger(s.perNodeIPCount) || s.perNodeIPCount < 1 || BigInt(s.perNodeIPCount) > usable)
    return {
      error: `${field}.perNodeIPCount ${s.perNodeIPCount} must be between 1 and the ${usable} usable addresses of ${s.subnet}`,
    };
  const per = BigInt(s.perNodeIPCount);
  const block = (index: bigint): Block => {
    const start = first + index * per;
    const end = start + per - 1n;
    return {
      index,
      text: `${formatIp(family, start)}-${formatIp(family, end)}`,
      first: start,
      last: end,
      gateway: gw.value,
    };
  };
  return {
    field,
    family,
    cidr,
    describe: `${field}.subnet ${s.subnet}`,
    blockCount: usable / per,
    blockUnit: `blocks of ${s.perNodeIPCount} addresses`,
    block,
    blockOf: (text) => {
      const start = parseIp(text.split('-')[0]);
      if (!start || start.family !== family || start.value < first) return undefined;
      const offset = start.value - first;
      if (offset % per !== 0n || offset / per >= usable / per) return undefined;
      return block(offset / per);
    },
    addressText: (v) => `${formatIp(family, v)}/${cidr.prefix}`,
    gatewayText: () => formatIp(family, gw.value),
  };
}

/** How many addresses a block hands out (its gateway kept back). */
export function blockCapacity(b: Block): bigint {
  const n = b.last - b.first + 1n;
  return b.gateway !== undefined && b.gateway >= b.first && b.gateway <= b.last ? n - 1n : n;
}
