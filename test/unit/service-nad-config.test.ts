/** The CNI config of a DPUServiceNAD: each DPU node's gateway and routes, IPv4 and IPv6. */
import { nadCniConfig } from '../../model/service-nad';

test('an IPv6 network split per node: each node its own gateway and default route; the static route takes the address gateway', () => {
  const c = nadCniConfig(
    'v6',
    { resourceType: 'sf' },
    { ipv6Network: { network: 'fd00:9::/62', prefixSize: 64, gatewayIndex: 1, defaultGateway: true } },
    [
      { node: 'n-b', dpu: 'b', block: 'fd00:9:0:1::/64', gateway: 'fd00:9:0:1::1' },
      { node: 'n-a', dpu: 'a', block: 'fd00:9::/64', gateway: 'fd00:9::1' },
    ],
  );
  expect(c.ipam).toEqual({
    type: 'static',
    routes: [{ dst: '::/0' }],
    nodes: [
      {
        nodeName: 'n-a',
        block: 'fd00:9::/64',
        gateway: 'fd00:9::1',
        routes: [{ dst: '::/0', gw: 'fd00:9::1' }],
      },
      {
        nodeName: 'n-b',
        block: 'fd00:9:0:1::/64',
        gateway: 'fd00:9:0:1::1',
        routes: [{ dst: '::/0', gw: 'fd00:9:0:1::1' }],
      },
    ],
  });
});

test('one IPv4 subnet shared by every node: the default route names its one gateway; no IPAM, no ipam section', () => {
  const c = nadCniConfig(
    'v4',
    { resourceType: 'veth', bridge: 'br-x' },
    { ipv4Subnet: { subnet: '10.1.0.0/24', gateway: '10.1.0.1', perNodeIPCount: 16, defaultGateway: true } },
    [{ node: 'n-a', dpu: 'a', block: '10.1.0.1-10.1.0.16', gateway: '10.1.0.1' }],
  );
  expect(c.ipam).toEqual({
    type: 'static',
    routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
    nodes: [
      {
        nodeName: 'n-a',
        block: '10.1.0.1-10.1.0.16',
        gateway: '10.1.0.1',
        routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }],
      },
    ],
  });
  expect(nadCniConfig('plain', { resourceType: 'veth' }, undefined)).toEqual({
    cniVersion: '0.4.0',
    name: 'plain',
    type: 'ovs',
    bridge: 'br-sfc',
  });
});
