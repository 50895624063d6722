/**
 * Service chains end to end: a real kube-apiserver with xpuflow's CRDs, a
 * real Temporal dev server, the control worker and a DPU worker as child
 * processes, a private Open vSwitch (userspace datapath) whose VF and PF
 * representors are veth ends made here, and the chain controller in the test
 * process. Interfaces become OVS ports, a chain becomes flows; what is
 * removed by hand comes back; a chain naming a missing interface is refused
 * with the field and value; deleting a chain or interfaces removes exactly
 * theirs and releases their finalizers; `xpuflow chain show` lists it all;
 * an interface taking its address from a DPUServiceIPAM waits for it, then
 * its port carries the address, and the IPAM is held while it does.
 * Needs root, iproute2 and Open vSwitch; skipped elsewhere.
 */
import { waitFor as waitUntil } from '../support/wait-for';
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startChainControllers, type RunningChainControllers } from '../../controllers/service-chain-manager';
import { startIpamControllers } from '../../controllers/service-ipam-manager';
import type { DpuServiceIpamResource } from '../../model/resources/service-ipam';
import { waitForPollers } from '../../platform/connection/pollers';
import type {
  DpuServiceChainResource,
  DpuServiceInterfaceResource,
} from '../../model/resources/service-chain';
import { apiMessage, Kube } from '../../platform/kube/client';
import { chainCookie } from '../../model/service-chain-planner';
import { serviceChainWorkflowId } from '../../model/workflow-ids';
import { CONTROL_TASK_QUEUE, dpuTaskQueue } from '../../model/task-queues';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { startPrivateOvs, type PrivateOvs } from '../../sim/ovs';
import { requirePrerequisites } from '../support/prerequisites';
import { spawnControlWorker, spawnDpuWorkers, type WorkerProcess } from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import { captureHistory } from '../support/history-capture';
import { logTails } from '../support/log-tails';
import { distFile } from '../support/tools';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Starts a private Open vSwitch (userspace datapath, whose tap devices live on this host): two at once
// collide, so one such file at a time (ovs-activities lost its bridge's mgmt socket beside this one).
holdLock(LOCKS.hostNetwork);

jest.setTimeout(120_000);

const { describe: describeOvs } = requirePrerequisites('the service-chain end-to-end tests', [
  'root',
  'iproute2',
  'openvswitch',
]);

const NS = 'xpuflow-chains';

describeOvs('service chains (real apiserver, Temporal, DPU worker, Open vSwitch)', () => {
  const tag = Math.random().toString(36).slice(2, 6);
  const pf = 20 + Math.floor(Math.random() * 70);
  const dpu = `sc-dpu-${tag}`;
  const bridge = `xs${tag}`;
  const svcPort = `xf${tag}`;
  const vfPort = `pf${pf}vf1`;
  const pfPort = `p${pf}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-chains-'));
  const apis = new KubeApiservers();
  const temporal = new DevServer();
  let host: KubeCluster;
  let kube: Kube;
  let client: Client;
  let ovs: PrivateOvs;
  let controllers: RunningChainControllers | undefined;
  const workers: WorkerProcess[] = [];

  const mgmt = () => `unix:${ovs.dir}/${bridge}.mgmt`;
  const ports = async () =>
    (await ovs.vsctl(['list-ports', bridge]).catch(() => '')).split('\n').filter(Boolean).sort();
  const flows = async () =>
    (await execa('ovs-ofctl', ['--names', '--no-stats', 'dump-flows', mgmt()], { reject: false })).stdout;
  const chainFlows = async (chain: string) =>
    (await flows())
      .split('\n')
      .filter((l) => l.includes(`cookie=${chainCookie(NS, chain).replace(/^0x0*/, '0x')}`));
  const logs = () => logTails(dir, 2500);
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000) =>
    waitUntil(what, probe, {
      timeoutMs,
      explain: async () => `ports: ${await ports()}\nflows:\n${await flows()}\n${logs()}`,
    });
  const xpuflow = (...args: string[]) =>
    execa(process.execPath, [distFile('cli/main.js'), ...args], {
      env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default' },
      reject: false,
    });

  const iface = (name: string, spec: object) =>
    kube.create('DPUServiceInterface', NS, {
      metadata: { name },
      spec: { dpuSelector: { matchLabels: { sfc: tag } }, bridge, ...spec },
    });
  const chain = (name: string, ...switches: string[][]) =>
    kube.create('DPUServiceChain', NS, {
      metadata: { name },
      spec: {
        dpuSelector: { matchLabels: { sfc: tag } },
        switches: switches.map((p) => ({ ports: p.map((serviceInterface) => ({ serviceInterface })) })),
      },
    });
  const getChain = (name: string) =>
    kube.get<DpuServiceChainResource>('DPUServiceChain', { namespace: NS, name });
  const getIface = (name: string) =>
    kube.get<DpuServiceInterfaceResource>('DPUServiceInterface', { namespace: NS, name });

  beforeAll(async () => {
    [host] = await apis.start(['host']);
    kube = new Kube(host.kc);
    await installCrds(host.kc);
    await kube.core.createNamespace({ body: { metadata: { name: NS } } });
    ovs = await startPrivateOvs(path.join(dir, 'ovs'));
    // The VF and PF representors: veth ends named as on a BlueField (no dummy module here).
    for (const [i, n] of [vfPort, pfPort].entries()) {
      await execa('ip', ['link', 'add', n, 'type', 'veth', 'peer', 'name', `xr${tag}${i}`]);
      await execa('ip', ['link', 'set', n, 'up']);
    }
    await temporal.start();
    client = new Client({
      connection: await Connection.connect({ address: temporal.address }),
      namespace: 'default',
    });
    const env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default' };
    workers.push(
      spawnControlWorker({ bfbCacheDir: path.join(dir, 'bfb'), logFile: path.join(dir, 'control.log'), env }),
      spawnDpuWorkers({
        placements: [
          { dpu, dpuNamespace: NS, opiAddress: '127.0.0.1:1', ovsDb: ovs.db, ovsDatapathType: 'netdev' },
        ],
        logFile: path.join(dir, 'dpu.log'),
        env,
      }),
    );
    await waitForPollers(client, [
      { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
      { taskQueue: dpuTaskQueue(dpu, NS) },
    ]);
    await kube.create('DPU', NS, {
      metadata: { name: dpu, labels: { sfc: tag } },
      spec: { nodeName: `node-${tag}`, pciAddress: '0000:03:00.0', bfb: 'bf' },
    });
    controllers = await startChainControllers({
      kc: host.kc,
      temporal: client,
      namespace: NS,
      chainIntervalSeconds: 1,
      chainStatusIntervalSeconds: 1,
      log: (l) => fs.appendFileSync(path.join(dir, 'controller.log'), `${new Date().toISOString()} ${l}\n`),
    });
  }, 240_000);

  afterAll(async () => {
    await controllers?.stop();
    await Promise.all(workers.map((w) => w.stop(5_000)));
    await client?.connection.close();
    await temporal.dispose();
    await apis.stop();
    // Cleanup (--if-exists covers a bridge already gone): a failure is said, and the private OVS stops next anyway.
    await ovs
      ?.vsctl(['--if-exists', 'del-br', bridge])
      .catch((err: unknown) =>
        console.warn(`cleanup: ovs-vsctl del-br ${bridge} failed: ${(err as Error).message}`),
      );
    await ovs?.stop();
    for (const n of [vfPort, pfPort]) await execa('ip', ['link', 'del', n], { reject: false });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('interfaces become ports and a chain becomes flows; what is removed by hand comes back', async () => {
    await iface('host', { interfaceType: 'vf', vf: { pfId: pf, vfId: 1 } });
    await iface('uplink', { interfaceType: 'pf', pf: { pfId: pf } });
    await iface('fw', {
      interfaceType: 'service',
      service: { serviceId: 'fw', network: 'sfc', interfaceName: svcPort },
    });
    await chain('web', ['host', 'fw', 'uplink']);

    await waitFor('the three ports', async () => (await ports()).length === 3);
    expect(await ports()).toEqual([svcPort, vfPort, pfPort].sort());
    const want = [
      `in_port=${vfPort} actions=output:${svcPort}`,
      `in_port=${svcPort} actions=output:${vfPort},output:${pfPort}`,
      `in_port=${pfPort} actions=output:${svcPort}`,
    ];
    const have = async () => (await chainFlows('web')).map((l) => l.replace(/^.*priority=100,/, '').trim());
    await waitFor('the chain flows', async () => (await have()).length === 3);
    expect((await have()).sort()).toEqual(want.sort());
    await waitFor(
      'web Ready',
      async () => (await getChain('web'))?.status?.conditions?.[0]?.status === 'True',
    );
    expect((await getChain('web'))?.status?.dpus).toEqual([{ dpu, applied: true }]);
    await waitFor(
      'host Ready',
      async () => (await getIface('host'))?.status?.conditions?.[0]?.status === 'True',
    );

    // By hand: a port and a flow go; the next periodic reconcile (1 s) brings them back.
    await ovs.vsctl(['del-port', bridge, svcPort]);
    await execa('ovs-ofctl', ['--strict', 'del-flows', mgmt(), `priority=100,in_port=${pfPort}`]);
    const t0 = Date.now();
    await waitFor(
      'the port and flow back',
      async () => (await ports()).includes(svcPort) && (await have()).length === 3,
      15_000,
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await have()).sort()).toEqual(want.sort());
  });

  test('a chain naming a missing interface is refused with the field and value, and nothing of it is applied', async () => {
    await chain('bad', ['uplink', 'nope']);
    const cond = await waitFor('bad refused', async () => {
      const c = (await getChain('bad'))?.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.reason === 'Invalid' ? c : undefined;
    });
    expect(cond.status).toBe('False');
    expect(cond.message).toContain('spec.switches[0].ports[1].serviceInterface');
    expect(cond.message).toContain('"nope"');
    expect(await chainFlows('bad')).toEqual([]);
    const events = await kube.core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: 'involvedObject.name=bad',
    });
    expect(events.items.map((e) => [e.type, e.reason])).toContainEqual(['Warning', 'Invalid']);
    expect(await chainFlows('web')).toHaveLength(3);
  });

  test('the API server refuses a malformed interface or chain with a message naming the field', async () => {
    const refused = async (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => apiMessage(e),
      );
    expect(await refused(iface('no-vf', { interfaceType: 'vf' }))).toContain(
      'spec.vf is required when spec.interfaceType is vf',
    );
    expect(
      await refused(iface('two', { interfaceType: 'pf', pf: { pfId: 1 }, vf: { pfId: 1, vfId: 1 } })),
    ).toContain('spec.vf is required when spec.interfaceType is vf, and only then');
    expect(await refused(chain('short', ['host']))).toMatch(/spec\.switches\[0\]\.ports/);
  });

  test('xpuflow chain show lists the ports and flows of the DPU', async () => {
    const r = await xpuflow('chain', 'show', '--dpu', dpu);
    expect({ code: r.exitCode, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    for (const s of [
      `DPU ${dpu}`,
      svcPort,
      vfPort,
      pfPort,
      `${NS}/host`,
      `in_port=${svcPort} actions=output:${vfPort},output:${pfPort}`,
    ])
      expect(r.stdout).toContain(s);
    const j = await xpuflow('chain', 'show', '--json');
    const parsed = JSON.parse(j.stdout) as {
      dpus: Array<{ dpu: string; observed: { ports: unknown[]; flows: unknown[] } }>;
    };
    const mine = parsed.dpus.find((d) => d.dpu === dpu);
    expect(mine?.observed.ports).toHaveLength(3);
    expect(mine?.observed.flows).toHaveLength(3);
  });

  test('an interface taking its address from a DPUServiceIPAM: its port waits naming the IPAM, then carries the address; the IPAM is held while it does', async () => {
    const ipams = await startIpamControllers({
      kc: host.kc,
      namespace: NS,
      resyncSeconds: 1,
      log: (l) =>
        fs.appendFileSync(path.join(dir, 'controller.log'), `${new Date().toISOString()} ipam ${l}\n`),
    });
    const lbPort = `xl${tag}`;
    const portId = (key: string) =>
      ovs.vsctl(['--if-exists', 'get', 'port', lbPort, `external_ids:${key}`]).then(
        (out) => out.replace(/^"|"$/g, ''),
        () => '',
      );
    const getIpam = () =>
      kube.get<DpuServiceIpamResource>('DPUServiceIPAM', { namespace: NS, name: 'lb-pool' });
    try {
      await iface('lb', {
        interfaceType: 'service',
        service: { serviceId: 'lb', network: 'sfc', interfaceName: lbPort },
        ipam: { name: 'lb-pool' },
      });
      const waiting = await waitFor('lb waits for its IPAM', async () => {
        const c = (await getIface('lb'))?.status?.conditions?.find((x) => x.type === 'Ready');
        return c?.reason === 'WaitingForAddress' && c;
      });
      expect(waiting.message).toBe(
        `waiting for an address from DPUServiceIPAM lb-pool on DPU ${dpu}: DPUServiceIPAM ${NS}/lb-pool does not exist: create it or fix spec.ipam.name`,
      );
      expect(await ports()).not.toContain(lbPort);

      await kube.create('DPUServiceIPAM', NS, {
        metadata: { name: 'lb-pool' },
        spec: {
          ipv6Network: { network: 'fd00:5c::/56', prefixSize: 64, gatewayIndex: 1, defaultGateway: true },
          dpuSelector: { matchLabels: { sfc: tag } },
        },
      });
      await waitFor('the port carries its address', async () => (await portId('xpuflow-ip')) !== '');
      const ledger = (await getIpam())?.status;
      expect(ledger?.allocations).toEqual([
        expect.objectContaining({ interface: 'lb', address: 'fd00:5c::2/64' }),
      ]);
      expect(ledger?.nodes).toEqual([
        expect.objectContaining({ block: 'fd00:5c::/64', gateway: 'fd00:5c::1' }),
      ]);
      // The internal port's netdev (a tap of the userspace datapath, on this host) has it configured.
      const netdevAddresses = async () => {
        const r = await execa('ip', ['-j', 'addr', 'show', 'dev', lbPort], { reject: false });
        const links = JSON.parse(r.stdout || '[]') as Array<{
          addr_info?: Array<{ local: string; prefixlen: number }>;
        }>;
        return (links[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
      };
      await waitFor('the netdev carries the address', async () =>
        (await netdevAddresses()).includes('fd00:5c::2/64'),
      );
      expect([await portId('xpuflow-ip'), await portId('xpuflow-gateway')]).toEqual([
        'fd00:5c::2/64',
        'fd00:5c::1',
      ]);
      await waitFor(
        'lb Ready',
        async () =>
          (await getIface('lb'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
      );

      // Deleting the pool while lb holds an address: held, saying who holds it.
      await kube.delete('DPUServiceIPAM', { namespace: NS, name: 'lb-pool' });
      const held = await waitFor('lb-pool held', async () => {
        const c = (await getIpam())?.status?.conditions?.find((x) => x.type === 'Ready');
        return c?.reason === 'InUse' && c;
      });
      expect(held.message).toBe(
        'being deleted, held by DPUServiceInterfaces lb (1 addresses): delete them or point their spec.ipam.name elsewhere, and it goes',
      );
      expect(await portId('xpuflow-ip')).toBe('fd00:5c::2/64');
      await kube.delete('DPUServiceInterface', { namespace: NS, name: 'lb' });
      await waitFor(
        'the port and the pool gone',
        async () => !(await ports()).includes(lbPort) && !(await getIpam()),
      );
    } finally {
      await ipams.stop();
    }
  });

  test('deleting the chain removes its flows; deleting the interfaces removes their ports; finalizers are released', async () => {
    await kube.delete('DPUServiceChain', { namespace: NS, name: 'bad' });
    await kube.delete('DPUServiceChain', { namespace: NS, name: 'web' });
    await waitFor('web flows gone', async () => (await chainFlows('web')).length === 0);
    await waitFor('chains gone', async () => !(await getChain('web')) && !(await getChain('bad')));
    expect(await ports()).toHaveLength(3);
    for (const n of ['host', 'uplink', 'fw'])
      await kube.delete('DPUServiceInterface', { namespace: NS, name: n });
    await waitFor('ports gone', async () => (await ports()).length === 0);
    await waitFor(
      'interfaces gone',
      async () => !(await getIface('host')) && !(await getIface('fw')) && !(await getIface('uplink')),
    );
    // Others' flows (the bridge's NORMAL) are untouched.
    expect(await flows()).toMatch(/actions=NORMAL/);
  });

  test('a DPU object that goes away stops its workflow', async () => {
    await kube.delete('DPU', { namespace: NS, name: dpu });
    const h = client.workflow.getHandle(serviceChainWorkflowId(NS, dpu));
    await expect(h.result()).resolves.toMatch(/stopped/);
    captureHistory(temporal.address, serviceChainWorkflowId(NS, dpu), 'service-chain.json');
  });
});
