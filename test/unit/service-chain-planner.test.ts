/** The service-chain planner: ports and flows one DPU should hold, and chains it refuses. */
import type { DpuServiceChainSpec, DpuServiceInterfaceSpec } from '../../model/resources/service-chain';
import { chainCookie, planDpu, type PlanInput } from '../../model/service-chain-planner';
import { isOwnedCookie } from '../../model/ovs-state';

const vf = (pfId: number, vfId: number, extra: Partial<DpuServiceInterfaceSpec> = {}) => ({
  interfaceType: 'vf' as const,
  vf: { pfId, vfId },
  ...extra,
});
const iface = (name: string, spec: DpuServiceInterfaceSpec, deleting = false) => ({ name, spec, deleting });
const chain = (name: string, ...switches: string[][]): { name: string; spec: DpuServiceChainSpec } => ({
  name,
  spec: {
    switches: switches.map((ports) => ({ ports: ports.map((serviceInterface) => ({ serviceInterface })) })),
  },
});

const base = (over: Partial<PlanInput> = {}): PlanInput => ({
  namespace: 'ns',
  dpu: { name: 'dpu-a', labels: { role: 'edge' } },
  interfaces: [
    iface('host', vf(0, 3)),
    iface('uplink', { interfaceType: 'pf', pf: { pfId: 0 } }),
    iface('fw', {
      interfaceType: 'service',
      service: { serviceId: 'firewall', network: 'mybrsfc', interfaceName: 'fw0' },
    }),
  ],
  chains: [],
  ...over,
});

test('a 3-port chain: one flow per port to its neighbours, with the chain cookie and priority', () => {
  const plan = planDpu(base({ chains: [chain('web', ['host', 'fw', 'uplink'])] }));
  expect(plan.desired.ports).toEqual([
    {
      name: 'fw0',
      bridge: 'br-sfc',
      type: 'internal',
      externalIds: { 'xpuflow-owner': 'xpuflow', 'xpuflow-resource': 'ns/fw' },
    },
    {
      name: 'pf0vf3',
      bridge: 'br-sfc',
      type: 'system',
      externalIds: { 'xpuflow-owner': 'xpuflow', 'xpuflow-resource': 'ns/host' },
    },
    {
      name: 'p0',
      bridge: 'br-sfc',
      type: 'system',
      externalIds: { 'xpuflow-owner': 'xpuflow', 'xpuflow-resource': 'ns/uplink' },
    },
  ]);
  const cookie = chainCookie('ns', 'web');
  expect(isOwnedCookie(cookie)).toBe(true);
  expect(plan.desired.flows).toEqual([
    {
      bridge: 'br-sfc',
      cookie,
      priority: 100,
      match: 'in_port=pf0vf3',
      actions: 'output:fw0',
      chain: 'ns/web',
    },
    {
      bridge: 'br-sfc',
      cookie,
      priority: 100,
      match: 'in_port=fw0',
      actions: 'output:pf0vf3,output:p0',
      chain: 'ns/web',
    },
    { bridge: 'br-sfc', cookie, priority: 100, match: 'in_port=p0', actions: 'output:fw0', chain: 'ns/web' },
  ]);
  expect(plan.desired.bridges).toEqual(['br-sfc']);
  expect(plan.chains).toEqual(['web']);
  expect(plan.chainRefusals).toEqual([]);
  expect(plan.interfaces).toEqual({ fw: 'fw0', host: 'pf0vf3', uplink: 'p0' });
});

test('a chain naming a missing interface is refused with the field path and value; nothing of it is planned', () => {
  const plan = planDpu(base({ chains: [chain('good', ['host', 'uplink']), chain('bad', ['fw', 'nope'])] }));
  expect(plan.chainRefusals).toEqual([
    {
      name: 'bad',
      field: 'spec.switches[0].ports[1].serviceInterface',
      value: 'nope',
      message:
        'spec.switches[0].ports[1].serviceInterface: DPUServiceInterface "nope" does not exist in namespace ns: create it or fix the name',
    },
  ]);
  expect(plan.chains).toEqual(['good']);
  expect(plan.desired.flows.map((f) => f.chain)).toEqual(['ns/good', 'ns/good']);
});

test('interfaces and chains follow their dpuSelector; deleting ones are planned as gone', () => {
  const other = { matchLabels: { role: 'core' } };
  const plan = planDpu(
    base({
      interfaces: [
        iface('host', vf(0, 3)),
        iface('uplink', { interfaceType: 'pf', pf: { pfId: 0 } }, true),
        iface('core', vf(1, 1, { dpuSelector: other })),
      ],
      chains: [
        chain('to-uplink', ['host', 'uplink']),
        chain('to-core', ['host', 'core']),
        {
          ...chain('elsewhere', ['host', 'core']),
          spec: { ...chain('x', ['host', 'core']).spec, dpuSelector: other },
        },
      ],
    }),
  );
  expect(plan.desired.ports.map((p) => p.name)).toEqual(['pf0vf3']);
  expect(plan.chainRefusals.map((r) => [r.name, r.field, r.value])).toEqual([
    ['to-core', 'spec.switches[0].ports[1].serviceInterface', 'core'],
    ['to-uplink', 'spec.switches[0].ports[1].serviceInterface', 'uplink'],
  ]);
  expect(plan.desired.flows).toEqual([]);
});

test('two chains steering one port at one priority: the second is refused; another priority is fine', () => {
  const a = chain('a', ['host', 'uplink']);
  const b = chain('b', ['host', 'fw']);
  const plan = planDpu(base({ chains: [a, b] }));
  expect(plan.chainRefusals.map((r) => [r.name, r.field, r.value])).toEqual([
    ['b', 'spec.switches[0].ports[0].serviceInterface', 'host'],
  ]);
  const ok = planDpu(base({ chains: [a, { ...b, spec: { ...b.spec, priority: 200 } }] }));
  expect(ok.chainRefusals).toEqual([]);
  expect(ok.desired.flows).toHaveLength(4);
});

test('revisions change with the plan and only with it', () => {
  const one = planDpu(base({ chains: [chain('web', ['host', 'fw'])] }));
  const same = planDpu(base({ chains: [chain('web', ['host', 'fw'])] }));
  const other = planDpu(base({ chains: [chain('web', ['host', 'uplink'])] }));
  expect(same.revision).toBe(one.revision);
  expect(other.revision).not.toBe(one.revision);
  expect(chainCookie('ns', 'web')).not.toBe(chainCookie('ns2', 'web'));
});

test("an interface with an IPAM: its port waits for this DPU's address, then carries it and the gateway", () => {
  const svc = {
    interfaceType: 'service' as const,
    service: { serviceId: 'lb', network: 'n', interfaceName: 'lb0' },
    ipam: { name: 'pool' },
  };
  const waiting = planDpu(
    base({
      interfaces: [
        ...base().interfaces,
        {
          name: 'lb',
          spec: svc,
          addresses: [
            { dpu: 'dpu-a', node: 'n-a', ipam: 'pool', message: 'DPUServiceIPAM ns/pool does not exist' },
            { dpu: 'dpu-b', node: 'n-b', ipam: 'pool', address: '10.0.1.2/24', gateway: '10.0.1.1' },
          ],
        },
      ],
      chains: [chain('web', ['host', 'lb'])],
    }),
  );
  expect(waiting.desired.ports.map((p) => p.name)).not.toContain('lb0');
  expect(waiting.interfaceRefusals).toEqual([
    {
      name: 'lb',
      field: 'spec.ipam.name',
      value: 'pool',
      waiting: true,
      message:
        'waiting for an address from DPUServiceIPAM pool on DPU dpu-a: DPUServiceIPAM ns/pool does not exist',
    },
  ]);
  expect(waiting.chainRefusals).toEqual([
    expect.objectContaining({ name: 'web', waiting: true, value: 'lb' }),
  ]);
  expect(waiting.desired.flows).toEqual([]);

  const given = planDpu(
    base({
      interfaces: [
        ...base().interfaces,
        {
          name: 'lb',
          spec: svc,
          addresses: [
            { dpu: 'dpu-a', node: 'n-a', ipam: 'pool', address: 'fd00:1::2/64', gateway: 'fd00:1::1' },
          ],
        },
      ],
      chains: [chain('web', ['host', 'lb'])],
    }),
  );
  expect(given.desired.ports.find((p) => p.name === 'lb0')?.externalIds).toEqual({
    'xpuflow-owner': 'xpuflow',
    'xpuflow-resource': 'ns/lb',
    'xpuflow-ip': 'fd00:1::2/64',
    'xpuflow-gateway': 'fd00:1::1',
  });
  expect(given.chains).toEqual(['web']);
  expect(given.revision).not.toBe(waiting.revision);
});
