/**
 * The DPU worker's OVS activities against a real, private Open vSwitch
 * (userspace datapath): ports and flows are added, what was removed by hand
 * comes back, owned things no longer wanted go, others' flows stay, and a
 * second run changes nothing. Needs root, iproute2 and Open vSwitch; skipped elsewhere.
 */
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOvsActivities } from '../../activities/ovs';
import { parseFlowLine } from '../../activities/ovs/flows';
import { planDpu } from '../../model/service-chain-planner';
import { startPrivateOvs, type PrivateOvs } from '../../sim/ovs';
import { requirePrerequisites } from '../support/prerequisites';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Changes this host's network namespaces, links or OVS: one such file at a time, whatever else jest runs beside it.
holdLock(LOCKS.hostNetwork);

const { describe: describeOvs } = requirePrerequisites('the OVS activity tests', [
  'root',
  'iproute2',
  'openvswitch',
]);

test('dump-flows lines parse into cookie, priority, canonical match and actions', () => {
  expect(
    parseFlowLine(
      'br',
      ' cookie=0x5cf1000000000001, duration=1.2s, table=0, n_packets=0, n_bytes=0, priority=100,in_port=p0 actions=output:fw0',
    ),
  ).toEqual({
    bridge: 'br',
    cookie: '0x5cf1000000000001',
    priority: 100,
    match: 'in_port=p0',
    actions: 'output:fw0',
    owned: true,
  });
  expect(parseFlowLine('br', ' priority=0 actions=NORMAL')).toMatchObject({
    cookie: '0x0000000000000000',
    owned: false,
    match: '',
  });
  expect(
    parseFlowLine(
      'br',
      ' cookie=0x5cf1000000000001, priority=9,in_port="a-b.c" actions=output:"a_b",output:p0',
    ),
  ).toMatchObject({
    match: 'in_port=a-b.c',
    actions: 'output:a_b,output:p0',
  });
  expect(parseFlowLine('br', 'NXST_FLOW reply (xid=0x4):')).toBeUndefined();
});

describeOvs('OVS activities on a private Open vSwitch', () => {
  const tag = Math.random().toString(36).slice(2, 6);
  const pf = 20 + Math.floor(Math.random() * 70);
  const bridge = `xs${tag}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-ovs-acts-'));
  const netdevs = [`p${pf}`, `pf${pf}vf1`];
  let ovs: PrivateOvs;
  let acts: ReturnType<typeof createOvsActivities>;

  beforeAll(async () => {
    ovs = await startPrivateOvs(path.join(dir, 'ovs'));
    // Representors stand in as veth ends (no dummy module here); OVS opens them as system ports.
    for (const [i, n] of netdevs.entries()) {
      await execa('ip', ['link', 'add', n, 'type', 'veth', 'peer', 'name', `xr${tag}${i}`]);
      await execa('ip', ['link', 'set', n, 'up']);
    }
    acts = createOvsActivities({ dpu: 'dpu-x', db: ovs.db, datapathType: 'netdev' });
  }, 60_000);
  afterAll(async () => {
    // Cleanup (--if-exists covers a bridge already gone): a failure is said, and the private OVS stops next anyway.
    await ovs
      ?.vsctl(['--if-exists', 'del-br', bridge])
      .catch((err: unknown) =>
        console.warn(`cleanup: ovs-vsctl del-br ${bridge} failed: ${(err as Error).message}`),
      );
    await ovs?.stop();
    for (const n of netdevs) await execa('ip', ['link', 'del', n], { reject: false });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const plan = (chains: string[][]) =>
    planDpu({
      namespace: 'ns',
      dpu: { name: 'dpu-x' },
      interfaces: [
        { name: 'host', spec: { interfaceType: 'vf', vf: { pfId: pf, vfId: 1 }, bridge } },
        { name: 'up', spec: { interfaceType: 'pf', pf: { pfId: pf }, bridge } },
        {
          name: 'fw',
          spec: {
            interfaceType: 'service',
            service: { serviceId: 'fw', network: 'n', interfaceName: `xf-${tag}` },
            bridge,
          },
        },
      ],
      chains: chains.map((ports, i) => ({
        name: `c${i}`,
        spec: { switches: [{ ports: ports.map((serviceInterface) => ({ serviceInterface })) }] },
      })),
    }).desired;

  const flows = async () =>
    (await execa('ovs-ofctl', ['--names', '--no-stats', 'dump-flows', `unix:${ovs.dir}/${bridge}.mgmt`]))
      .stdout;

  test('applies, restores what was removed by hand, removes what is no longer wanted, and is idempotent', async () => {
    const desired = plan([['host', 'fw', 'up']]);
    const first = await acts.reconcileOvs(desired);
    expect(first.problems).toEqual([]);
    expect((await ovs.vsctl(['list-ports', bridge])).split('\n').sort()).toEqual(
      [`p${pf}`, `pf${pf}vf1`, `xf-${tag}`].sort(),
    );
    expect(first.state.flows.map((f) => `${f.match} ${f.actions}`).sort()).toEqual(
      [
        `in_port=p${pf} output:xf-${tag}`,
        `in_port=pf${pf}vf1 output:xf-${tag}`,
        `in_port=xf-${tag} output:pf${pf}vf1,output:p${pf}`,
      ].sort(),
    );
    // Someone else's flow stays.
    await execa('ovs-ofctl', ['add-flow', `unix:${ovs.dir}/${bridge}.mgmt`, 'priority=5,arp,actions=drop']);
    expect((await acts.reconcileOvs(desired)).changes).toEqual([]);

    await ovs.vsctl(['del-port', bridge, `xf-${tag}`]);
    await execa('ovs-ofctl', [
      '--strict',
      'del-flows',
      `unix:${ovs.dir}/${bridge}.mgmt`,
      `priority=100,in_port=p${pf}`,
    ]);
    const again = await acts.reconcileOvs(desired);
    expect(again.changes.join('\n')).toMatch(/added internal port xf-/);
    expect(again.changes.join('\n')).toMatch(new RegExp(`added flow .*in_port=p${pf}`));
    expect(again.state.flows).toHaveLength(3);

    const smaller = await acts.reconcileOvs(plan([['host', 'up']]));
    expect(smaller.state.flows.map((f) => `${f.match} ${f.actions}`).sort()).toEqual([
      `in_port=p${pf} output:pf${pf}vf1`,
      `in_port=pf${pf}vf1 output:p${pf}`,
    ]);
    const empty = await acts.reconcileOvs({ bridges: [], ports: [], flows: [] });
    expect(empty.state).toEqual({ ports: [], flows: [] });
    expect(await ovs.vsctl(['list-ports', bridge])).toBe('');
    expect(await flows()).toMatch(/priority=5,arp actions=drop/);
  });

  test('a representor netdev that does not exist is a problem, not a failure', async () => {
    const desired = planDpu({
      namespace: 'ns',
      dpu: { name: 'dpu-x' },
      interfaces: [{ name: 'gone', spec: { interfaceType: 'vf', vf: { pfId: pf, vfId: 99 }, bridge } }],
      chains: [],
    }).desired;
    const r = await acts.reconcileOvs(desired);
    expect(r.problems).toEqual([expect.stringContaining(`netdev pf${pf}vf99 does not exist on DPU dpu-x`)]);
  });
});
