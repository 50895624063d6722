import {
  cidrsOverlap,
  formatCidr,
  formatIp,
  isCidrError,
  parseCidr,
  parseIp,
  subnetAt,
  subnetCount,
  type Cidr,
} from '../../model/ip-cidr';
import { poolOf, type IpamPool } from '../../model/service-ipam-pool';
import { planIpam, type Ledger } from '../../model/service-ipam-planner';

const cidr = (t: string): Cidr => {
  const c = parseCidr(t);
  if (isCidrError(c)) throw new Error(`${t} ${c.error}`);
  return c;
};
const pool = (spec: Parameters<typeof poolOf>[0]): IpamPool => {
  const p = poolOf(spec);
  if ('error' in p) throw new Error(p.error);
  return p;
};
const none: Ledger = { nodes: [], allocations: [] };

describe('address arithmetic', () => {
  test('IPv4 and IPv6 addresses round-trip in canonical form (RFC 5952 for IPv6)', () => {
    for (const [text, canon] of [
      ['10.0.0.1', '10.0.0.1'],
      ['255.255.255.255', '255.255.255.255'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['::', '::'],
      ['::1', '::1'],
      ['fe80::', 'fe80::'],
      ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ]) {
      const ip = parseIp(text);
      expect(ip).toBeDefined();
      expect(formatIp(ip!.family, ip!.value)).toBe(canon);
    }
  });

  test('refuses what is not an address', () => {
    for (const bad of [
      '10.0.0',
      '10.0.0.256',
      '10.0.0.01',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      'fe80::g',
      '',
      '1:2:3:4:5:6:7',
    ])
      expect(parseIp(bad)).toBeUndefined();
  });

  test('CIDRs: host bits, prefix range and the error names what is wrong', () => {
    expect(formatCidr(cidr('10.1.0.0/16'))).toBe('10.1.0.0/16');
    expect(formatCidr(cidr('2001:db8::/32'))).toBe('2001:db8::/32');
    expect(parseCidr('10.1.2.3/16')).toEqual({ error: 'has host bits set: the network is 10.1.0.0/16' });
    expect(parseCidr('10.1.0.0/33')).toEqual({ error: 'is not a CIDR: the prefix length must be 0 to 32' });
    expect(parseCidr('2001:db8::/129')).toEqual({
      error: 'is not a CIDR: the prefix length must be 0 to 128',
    });
    expect(parseCidr('10.1.0.0')).toEqual({ error: 'is not a CIDR (address/prefix-length)' });
    expect(parseCidr('banana/8')).toEqual({
      error: 'is not a CIDR: the address part is not an IPv4 or IPv6 address',
    });
  });

  test('subnets by index and overlap, IPv4 and IPv6', () => {
    expect(subnetCount(cidr('10.0.0.0/24'), 28)).toBe(16n);
    expect(formatCidr(subnetAt(cidr('10.0.0.0/24'), 28, 15n))).toBe('10.0.0.240/28');
    expect(subnetCount(cidr('2001:db8::/48'), 64)).toBe(65536n);
    expect(formatCidr(subnetAt(cidr('2001:db8::/48'), 64, 65535n))).toBe('2001:db8:0:ffff::/64');
    expect(subnetCount(cidr('10.0.0.0/24'), 16)).toBe(0n);
    expect(cidrsOverlap(cidr('10.0.0.0/16'), cidr('10.0.255.0/24'))).toBe(true);
    expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.1.0/24'))).toBe(false);
    expect(cidrsOverlap(cidr('2001:db8::/32'), cidr('2001:db8:ffff::/48'))).toBe(true);
    expect(cidrsOverlap(cidr('::/0'), cidr('0.0.0.0/0'))).toBe(false);
  });
});

describe('pools', () => {
  test('network mode: a subnet per node, gateway at gatewayIndex, no network or broadcast address', () => {
    const p = pool({ ipv4Network: { network: '10.0.0.0/24', prefixSize: 29, gatewayIndex: 1 } });
    expect(p.blockCount).toBe(32n);
    const b = p.block(2n);
    expect(b.text).toBe('10.0.0.16/29');
    expect(p.gatewayText(b)).toBe('10.0.0.17');
    expect([formatIp(4, b.first), formatIp(4, b.last)]).toEqual(['10.0.0.17', '10.0.0.22']);
    expect(p.blockOf('10.0.0.16/29')?.index).toBe(2n);
    expect(p.blockOf('10.0.1.0/29')).toBeUndefined();
    expect(p.addressText(b.first + 1n)).toBe('10.0.0.18/29');
  });

  test('network mode /31: both addresses usable (RFC 3021)', () => {
    const p = pool({ ipv4Network: { network: '10.0.0.0/30', prefixSize: 31 } });
    const b = p.block(1n);
    expect([formatIp(4, b.first), formatIp(4, b.last)]).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  test('IPv6 network and subnet modes', () => {
    const n = pool({ ipv6Network: { network: 'fd00:10::/56', prefixSize: 64, gatewayIndex: 1 } });
    expect(n.blockCount).toBe(256n);
    expect(n.block(255n).text).toBe('fd00:10:0:ff::/64');
    expect(n.gatewayText(n.block(255n))).toBe('fd00:10:0:ff::1');
    const s = pool({ ipv6Subnet: { subnet: 'fd00:20::/120', gateway: 'fd00:20::1', perNodeIPCount: 16 } });
    // 255 usable (no broadcast in IPv6), blocks of 16 from ::1.
    expect(s.blockCount).toBe(15n);
    expect(s.block(1n).text).toBe('fd00:20::11-fd00:20::20');
    expect(s.addressText(s.block(0n).first)).toBe('fd00:20::1/120');
  });

  test('bad pools are refused naming the field and value', () => {
    const err = (spec: Parameters<typeof poolOf>[0]) => (poolOf(spec) as { error: string }).error;
    expect(err({ ipv4Network: { network: '10.0.0.0/33', prefixSize: 28 } })).toBe(
      'spec.ipv4Network.network "10.0.0.0/33" is not a CIDR: the prefix length must be 0 to 32',
    );
    expect(err({ ipv4Network: { network: 'fd00::/64', prefixSize: 80 } })).toBe(
      'spec.ipv4Network.network fd00::/64 is an IPv6 network: this field takes IPv4',
    );
    expect(err({ ipv4Network: { network: '10.0.0.0/24', prefixSize: 20 } })).toBe(
      "spec.ipv4Network.prefixSize 20 must be between the network's /24 and 32",
    );
    expect(err({ ipv4Subnet: { subnet: '10.0.0.0/24', gateway: '10.0.1.1', perNodeIPCount: 8 } })).toBe(
      'spec.ipv4Subnet.gateway "10.0.1.1" is not an address in 10.0.0.0/24',
    );
    expect(err({ ipv4Subnet: { subnet: '10.0.0.0/29', gateway: '10.0.0.1', perNodeIPCount: 8 } })).toBe(
      'spec.ipv4Subnet.perNodeIPCount 8 must be between 1 and the 6 usable addresses of 10.0.0.0/29',
    );
    expect(err({})).toMatch(/^spec has no pool/);
    expect(
      err({
        ipv4Network: { network: '10.0.0.0/24', prefixSize: 28 },
        ipv6Network: { network: 'fd00::/48', prefixSize: 64 },
      }),
    ).toBe('spec sets ipv4Network and ipv6Network: set exactly one pool per DPUServiceIPAM');
  });
});

describe('planning the ledger', () => {
  const p = pool({ ipv4Subnet: { subnet: '10.0.0.0/28', gateway: '10.0.0.1', perNodeIPCount: 4 } });
  const nodes = ['a', 'b', 'c'].map((n) => ({ node: `${n}.ns`, dpu: n }));
  const req = (i: number, node = 'a.ns') => ({ interface: `if${i}`, uid: `u${i}`, node });

  test('blocks in order, the gateway never handed out, no address twice', () => {
    const plan = planIpam({
      ipam: 'pool',
      pool: p,
      current: none,
      nodes,
      requests: [1, 2, 3, 4].map((i) => req(i)),
      released: new Set(),
    });
    expect(plan.ledger.nodes.map((n) => n.block)).toEqual([
      '10.0.0.1-10.0.0.4',
      '10.0.0.5-10.0.0.8',
      '10.0.0.9-10.0.0.12',
    ]);
    expect(plan.ledger.allocations.map((a) => a.address)).toEqual([
      '10.0.0.2/28',
      '10.0.0.3/28',
      '10.0.0.4/28',
    ]);
    expect(plan.unserved).toEqual([
      expect.objectContaining({
        interface: 'if4',
        message:
          "node a.ns's block 10.0.0.1-10.0.0.4 of DPUServiceIPAM pool is full (3 addresses in use): give nodes more addresses or release some",
      }),
    ]);
  });

  test('a pool too small for its nodes gives none of the new ones a block, with the numbers', () => {
    const four = [...nodes, { node: 'd.ns', dpu: 'd' }];
    const plan = planIpam({
      ipam: 'pool',
      pool: p,
      current: none,
      nodes: four,
      requests: [req(1)],
      released: new Set(),
    });
    expect(plan.ledger).toEqual(none);
    expect(plan.tooSmall).toBe(
      'spec.ipv4Subnet.subnet 10.0.0.0/28 splits into 3 blocks of 4 addresses, 3 free; 4 more DPU nodes need one each (4 selected in all): use a larger network, or fewer addresses per node',
    );
  });

  test('an address is freed only once released, and then the lowest goes first', () => {
    const first = planIpam({
      ipam: 'pool',
      pool: p,
      current: none,
      nodes,
      requests: [req(1), req(2)],
      released: new Set(),
    });
    // if1 no longer asked for but not confirmed gone (a stale cache): kept.
    const stale = planIpam({
      ipam: 'pool',
      pool: p,
      current: first.ledger,
      nodes,
      requests: [req(2), req(3)],
      released: new Set(),
    });
    expect(stale.ledger.allocations.map((a) => `${a.interface}=${a.address}`)).toEqual([
      'if1=10.0.0.2/28',
      'if2=10.0.0.3/28',
      'if3=10.0.0.4/28',
    ]);
    const gone = planIpam({
      ipam: 'pool',
      pool: p,
      current: stale.ledger,
      nodes,
      requests: [req(2), req(3), req(5)],
      released: new Set(['u1@a.ns']),
    });
    expect(gone.ledger.allocations.map((a) => `${a.interface}=${a.address}`)).toEqual([
      'if2=10.0.0.3/28',
      'if3=10.0.0.4/28',
      'if5=10.0.0.2/28',
    ]);
  });

  test('a node keeps its block while addresses are on it, even when no longer selected', () => {
    const first = planIpam({
      ipam: 'pool',
      pool: p,
      current: none,
      nodes,
      requests: [req(1, 'b.ns')],
      released: new Set(),
    });
    const later = planIpam({
      ipam: 'pool',
      pool: p,
      current: first.ledger,
      nodes: [nodes[2]],
      requests: [req(1, 'b.ns')],
      released: new Set(),
    });
    expect(later.ledger.nodes.map((n) => `${n.node}=${n.block}`)).toEqual([
      'b.ns=10.0.0.5-10.0.0.8',
      'c.ns=10.0.0.9-10.0.0.12',
    ]);
  });

  test('IPv6 network mode: per-node /64s with their own gateway', () => {
    const v6 = pool({ ipv6Network: { network: 'fd00:1::/62', prefixSize: 64, gatewayIndex: 1 } });
    const plan = planIpam({
      ipam: 'v6',
      pool: v6,
      current: none,
      nodes,
      requests: [req(1, 'c.ns'), req(2, 'c.ns')],
      released: new Set(),
    });
    expect(plan.ledger.nodes.map((n) => `${n.block} gw ${n.gateway}`)).toEqual([
      'fd00:1::/64 gw fd00:1::1',
      'fd00:1:0:1::/64 gw fd00:1:0:1::1',
      'fd00:1:0:2::/64 gw fd00:1:0:2::1',
    ]);
    expect(plan.ledger.allocations.map((a) => a.address)).toEqual(['fd00:1:0:2::2/64', 'fd00:1:0:2::3/64']);
  });
});
