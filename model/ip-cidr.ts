/**
 * IPv4 and IPv6 address arithmetic for the service IPAM: addresses as
 * bigints, CIDRs parsed strictly (a network address, no host bits, no
 * leading zeros in IPv4 octets, as Go's net/netip refuses them), subnets
 * counted and picked by index, overlap tested. Pure: workflows and CEL-free
 * callers import it.
 */
export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export interface Cidr {
  family: IpFamily;
  /** The network address. */
  base: bigint;
  prefix: number;
}

export const familyBits = (f: IpFamily): number => (f === 4 ? 32 : 128);

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let v = 0n;
  for (const g of [...head, ...new Array<number>(missing).fill(0), ...tail]) v = (v << 16n) | BigInt(g);
  return v;
}

/** An IPv4 or IPv6 address, or undefined when `text` is neither. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = text.includes(':') ? parseV6(text) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** The address in its canonical text: dotted quad, or RFC 5952 (lower case, the longest zero run as ::). */
export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  const g = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** `a.b.c.d/n` or `x::/n` as a network, or the reason it is not one (to put after the value in a message). */
export function parseCidr(text: string): Cidr | { error: string } {
  const slash = text.indexOf('/');
  if (slash < 0) return { error: 'is not a CIDR (address/prefix-length)' };
  const ip = parseIp(text.slice(0, slash));
  if (!ip) return { error: 'is not a CIDR: the address part is not an IPv4 or IPv6 address' };
  const p = text.slice(slash + 1);
  const bits = familyBits(ip.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > bits)
    return { error: `is not a CIDR: the prefix length must be 0 to ${bits}` };
  const cidr = { family: ip.family, base: ip.value, prefix: Number(p) };
  const masked = ip.value & ~hostMask(cidr);
  if (masked !== ip.value)
    return { error: `has host bits set: the network is ${formatCidr({ ...cidr, base: masked })}` };
  return cidr;
}

export const isCidrError = (c: Cidr | { error: string }): c is { error: string } => 'error' in c;

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.prefix}`;
}

function hostMask(c: Cidr): bigint {
  return (1n << BigInt(familyBits(c.family) - c.prefix)) - 1n;
}

/** How many addresses the network spans. */
export function cidrSize(c: Cidr): bigint {
  return 1n << BigInt(familyBits(c.family) - c.prefix);
}

export function cidrLast(c: Cidr): bigint {
  return c.base + cidrSize(c) - 1n;
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  return ip.family === c.family && ip.value >= c.base && ip.value <= cidrLast(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= cidrLast(b) && b.base <= cidrLast(a);
}

/** How many /`prefix` subnets `c` splits into (0 when `prefix` is shorter than c's). */
export function subnetCount(c: Cidr, prefix: number): bigint {
  return prefix < c.prefix || prefix > familyBits(c.family) ? 0n : 1n << BigInt(prefix - c.prefix);
}

/** The `index`-th /`prefix` subnet of `c`. */
export function subnetAt(c: Cidr, prefix: number, index: bigint): Cidr {
  return { family: c.family, prefix, base: c.base + index * (1n << BigInt(familyBits(c.family) - prefix)) };
}
