/**
 * DPUServiceIPAM and DPUServiceNAD against real kube-apiservers: the host
 * cluster with xpuflow's CRDs and a DPU cluster with Multus's
 * NetworkAttachmentDefinition CRD. The IPAM controller runs as a child
 * process (killed with SIGKILL mid-way) and in the test process, two at once
 * over the same objects, as a leader hand-over may have them.
 *
 * Bad input is refused by the API server (CEL) or reported in Ready naming
 * the value; 20 interfaces on 3 DPU nodes get 60 distinct addresses across
 * the kill and the race; a deleted interface's addresses come back to the
 * next one; a DPUServiceNAD becomes a NetworkAttachmentDefinition in the DPU
 * cluster with the IPAM wired into its CNI config.
 */
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiMessage, isNotFound, Kube } from '../../platform/kube/client';
import { installCrds, KubeApiservers, registerDpuCluster, type KubeCluster } from '../../sim/kube';
import { installNadCrd } from '../../sim/multus';
import { startIpamControllers, type RunningIpamControllers } from '../../controllers/service-ipam-manager';
import type { DpuServiceInterfaceResource } from '../../model/resources/service-chain';
import type {
  DpuServiceIpamResource,
  DpuServiceNadResource,
  InterfaceAddress,
} from '../../model/resources/service-ipam';
import { NAD_API_GROUP, NAD_PLURAL } from '../../model/service-nad';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { waitFor as waitUntil } from '../support/wait-for';
import { distFile } from '../support/tools';

jest.setTimeout(60_000);

const NS = 'xpuflow-ipam';
const DPUS = ['ipam-a', 'ipam-b', 'ipam-c'];

describe('service IPAM and NADs (real apiservers)', () => {
  const apis = new KubeApiservers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-ipam-'));
  const logFile = path.join(dir, 'controller.log');
  let host: KubeCluster;
  let dpuCluster: KubeCluster;
  let kube: Kube;
  const running: RunningIpamControllers[] = [];
  const children: execa.ExecaChildProcess[] = [];

  const log = (who: string) => (l: string) =>
    fs.appendFileSync(logFile, `${new Date().toISOString()} ${who} ${l}\n`);
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000) =>
    waitUntil(what, probe, {
      timeoutMs,
      explain: async () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-3000) : ''),
    });
  const getIpam = (name: string) =>
    kube.get<DpuServiceIpamResource>('DPUServiceIPAM', { namespace: NS, name });
  const ready = async (name: string) =>
    (await getIpam(name))?.status?.conditions?.find((c) => c.type === 'Ready');
  const ipam = (name: string, spec: object) =>
    kube.create('DPUServiceIPAM', NS, { metadata: { name }, spec });
  const refusal = async (name: string, spec: object) => {
    try {
      await ipam(name, spec);
    } catch (err) {
      return apiMessage(err);
    }
    throw new Error(`DPUServiceIPAM ${name} was accepted`);
  };
  const iface = (name: string, pool: string) =>
    kube.create<DpuServiceInterfaceResource>('DPUServiceInterface', NS, {
      metadata: { name },
      spec: {
        interfaceType: 'service',
        service: { serviceId: 'svc', network: 'sfc-net', interfaceName: name },
        dpuSelector: { matchLabels: { ipam: 'yes' } },
        ipam: { name: pool },
      },
    });

  /** A controller in a child process, so it can be killed with SIGKILL. */
  const spawnController = (who: string) => {
    const script = `
      const k8s = require('@kubernetes/client-node');
      const { startIpamControllers } = require(${JSON.stringify(distFile('controllers/service-ipam-manager.js'))});
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(${JSON.stringify(host.kubeconfigPath)});
      const fs = require('fs');
      startIpamControllers({ kc, namespace: ${JSON.stringify(NS)}, resyncSeconds: 1,
        log: (l) => fs.appendFileSync(${JSON.stringify(logFile)}, new Date().toISOString() + ' ${who} ' + l + '\\n') })
        .catch((e) => { console.error(e); process.exit(1); });`;
    const child = execa(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '../..'),
      reject: false,
    });
    children.push(child);
    return child;
  };
  const inProcess = async (who: string) => {
    const c = await startIpamControllers({ kc: host.kc, namespace: NS, resyncSeconds: 1, log: log(who) });
    running.push(c);
    return c;
  };

  beforeAll(async () => {
    [host, dpuCluster] = await apis.start(['host', 'dpu1']);
    kube = new Kube(host.kc);
    await installCrds(host.kc);
    await installNadCrd(dpuCluster.kc);
    await kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await registerDpuCluster(kube, NS, 'dpu1', dpuCluster);
    for (const name of DPUS)
      await kube.create('DPU', NS, {
        metadata: { name, labels: { ipam: 'yes' } },
        spec: { nodeName: `host-${name}`, pciAddress: '0000:03:00.0', bfb: 'bf' },
      });
  }, 60_000);

  afterAll(async () => {
    for (const c of running) await c.stop();
    for (const c of children) c.kill('SIGKILL');
    await apis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the API server refuses a subnet that is not a CIDR, host bits, a wrong family, a gateway outside, two pools, a pool changed', async () => {
    expect(await refusal('bad1', { ipv4Network: { network: '10.0.0.300/24', prefixSize: 28 } })).toContain(
      'spec.ipv4Network.network 10.0.0.300/24 is not a CIDR (address/prefix-length)',
    );
    expect(
      await refusal('bad2', {
        ipv4Subnet: { subnet: '10.0.0.7/24', gateway: '10.0.0.1', perNodeIPCount: 4 },
      }),
    ).toContain(
      'spec.ipv4Subnet.subnet 10.0.0.7/24 has host bits set: give the network address (host bits zero)',
    );
    expect(await refusal('bad3', { ipv6Network: { network: '10.0.0.0/8', prefixSize: 24 } })).toContain(
      'spec.ipv6Network.network 10.0.0.0/8 is not an IPv6 network: this field takes IPv6',
    );
    expect(
      await refusal('bad4', {
        ipv4Subnet: { subnet: '10.0.0.0/24', gateway: '10.0.1.1', perNodeIPCount: 4 },
      }),
    ).toContain('spec.ipv4Subnet.gateway 10.0.1.1 is not an address in 10.0.0.0/24');
    expect(await refusal('bad5', { ipv6Network: { network: 'fd00::/64', prefixSize: 48 } })).toContain(
      'spec.ipv6Network.prefixSize must be between the prefix length of fd00::/64 and 128',
    );
    expect(
      await refusal('bad6', {
        ipv4Network: { network: '10.0.0.0/24', prefixSize: 28 },
        ipv6Network: { network: 'fd00::/48', prefixSize: 64 },
      }),
    ).toContain('spec: set exactly one of ipv4Network, ipv4Subnet, ipv6Network, ipv6Subnet');
    await ipam('fixed', { ipv6Network: { network: 'fd00:99::/48', prefixSize: 64 } });
    await expect(
      kube.patch(
        'DPUServiceIPAM',
        { namespace: NS, name: 'fixed' },
        { spec: { ipv6Network: { prefixSize: 60 } } },
      ),
    ).rejects.toThrow(/spec.ipv6Network cannot change/);
    await kube.delete('DPUServiceIPAM', { namespace: NS, name: 'fixed' });
    expect(await kube.list('DPUServiceIPAM', NS)).toEqual([]);
  });

  test('20 interfaces on 3 DPU nodes: 60 distinct addresses across a controller killed -9 and two controllers racing', async () => {
    await ipam('svc', {
      ipv4Subnet: { subnet: '10.70.0.0/23', gateway: '10.70.0.1', perNodeIPCount: 64 },
      dpuSelector: { matchLabels: { ipam: 'yes' } },
    });
    const first = spawnController('A');
    const names = Array.from({ length: 20 }, (_, i) => `if-${String(i).padStart(2, '0')}`);
    // Ten arrive one by one while A runs; A is killed once some are in the ledger.
    for (const n of names.slice(0, 10)) {
      await iface(n, 'svc');
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = await waitFor('A wrote part of the ledger', async () => {
      const a = (await getIpam('svc'))?.status?.allocations ?? [];
      return a.length > 0 && a;
    });
    first.kill('SIGKILL');
    await first;
    // Ten more at once while no controller runs; then two controllers start together.
    await Promise.all(names.slice(10).map((n) => iface(n, 'svc')));
    const second = spawnController('B');
    await inProcess('C');
    const all = await waitFor('60 addresses', async () => {
      const s = (await getIpam('svc'))?.status;
      return (
        s?.allocations?.length === 60 && s.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && s
      );
    });
    const addresses = all.allocations!.map((a) => a.address);
    expect(new Set(addresses).size).toBe(60);
    expect(addresses.every((a) => a.endsWith('/23') && a !== '10.70.0.1/23')).toBe(true);
    // What was handed out before the kill stayed where it was.
    for (const a of before) expect(all.allocations).toContainEqual(a);
    // Every node has its own block, and the interfaces show the ledger's addresses.
    expect(all.nodes!.map((n) => n.node).sort()).toEqual(DPUS.map((d) => dpuClusterNodeName(NS, d)).sort());
    expect(new Set(all.nodes!.map((n) => n.block)).size).toBe(3);
    await waitFor('every interface shows its 3 addresses', async () => {
      for (const n of names) {
        const i = await kube.get<{ status?: { addresses?: InterfaceAddress[] } }>('DPUServiceInterface', {
          namespace: NS,
          name: n,
        });
        const rows = i?.status?.addresses ?? [];
        if (rows.length !== 3 || rows.some((r) => !r.address)) return false;
        for (const r of rows)
          expect(all.allocations).toContainEqual(
            expect.objectContaining({ interface: n, node: r.node, address: r.address }),
          );
      }
      return true;
    });
    second.kill('SIGKILL');
    await second;
  });

  test('a deleted interface gives its addresses back and the next interface gets them', async () => {
    const ledger = async () => (await getIpam('svc'))?.status?.allocations ?? [];
    const freed = (await ledger())
      .filter((a) => a.interface === 'if-03')
      .map((a) => a.address)
      .sort();
    expect(freed).toHaveLength(3);
    await kube.delete('DPUServiceInterface', { namespace: NS, name: 'if-03' });
    await waitFor('if-03 released', async () => !(await ledger()).some((a) => a.interface === 'if-03'));
    expect(await ledger()).toHaveLength(57);
    await iface('if-new', 'svc');
    const got = await waitFor('if-new has 3 addresses', async () => {
      const mine = (await ledger()).filter((a) => a.interface === 'if-new');
      return mine.length === 3 && mine;
    });
    expect(got.map((a) => a.address).sort()).toEqual(freed);
    expect(new Set((await ledger()).map((a) => a.address)).size).toBe(60);
  });

  test('an overlapping pool and a pool too small for its nodes are reported with the values, nothing handed out', async () => {
    await ipam('overlap', {
      ipv4Network: { network: '10.70.1.0/24', prefixSize: 28 },
      dpuSelector: { matchLabels: { ipam: 'yes' } },
    });
    await ipam('tiny', {
      ipv6Subnet: { subnet: 'fd00:60::/125', gateway: 'fd00:60::1', perNodeIPCount: 3 },
      dpuSelector: { matchLabels: { ipam: 'yes' } },
    });
    await waitFor('overlap refused', async () => (await ready('overlap'))?.reason === 'Overlapping');
    expect((await ready('overlap'))?.message).toBe(
      'spec.ipv4Network.network 10.70.1.0/24 overlaps spec.ipv4Subnet.subnet 10.70.0.0/23 of DPUServiceIPAM svc: choose a range that overlaps no other DPUServiceIPAM of namespace xpuflow-ipam',
    );
    await waitFor('tiny refused', async () => (await ready('tiny'))?.reason === 'PoolTooSmall');
    expect((await ready('tiny'))?.message).toBe(
      'spec.ipv6Subnet.subnet fd00:60::/125 splits into 2 blocks of 3 addresses, 2 free; 3 more DPU nodes need one each (3 selected in all): use a larger network, or fewer addresses per node',
    );
    for (const n of ['overlap', 'tiny']) {
      const s = (await getIpam(n))?.status;
      expect([s?.nodes ?? [], s?.allocations ?? []]).toEqual([[], []]);
    }
  });

  test('a DPUServiceNAD becomes a NetworkAttachmentDefinition in the DPU cluster with the IPAM wired in; deleted, it goes', async () => {
    const dpuKube = new Kube(dpuCluster.kc);
    const nadIn = (name: string) =>
      dpuKube.custom
        .getNamespacedCustomObject({
          group: NAD_API_GROUP,
          version: 'v1',
          namespace: NS,
          plural: NAD_PLURAL,
          name,
        })
        .catch((err: unknown) => {
          if (isNotFound(err)) return undefined; // not written (yet), or removed
          throw err;
        }) as Promise<
        { metadata: { annotations: Record<string, string> }; spec: { config: string } } | undefined
      >;
    const nadReady = async (name: string) =>
      (
        await kube.get<DpuServiceNadResource>('DPUServiceNAD', { namespace: NS, name })
      )?.status?.conditions?.find((c) => c.type === 'Ready');
    await kube.create('DPUServiceNAD', NS, {
      metadata: { name: 'sfc-net' },
      spec: { resourceType: 'sf', serviceMTU: 1500, ipam: 'svc' },
    });
    await kube.create('DPUServiceNAD', NS, {
      metadata: { name: 'orphan' },
      spec: { resourceType: 'veth', ipam: 'nope' },
    });
    const made = await waitFor('the NetworkAttachmentDefinition in dpu1', () => nadIn('sfc-net'));
    const svcNodes = (await getIpam('svc'))?.status?.nodes ?? [];
    expect(svcNodes).toHaveLength(3);
    expect(JSON.parse(made.spec.config)).toEqual({
      cniVersion: '0.4.0',
      name: 'sfc-net',
      type: 'ovs',
      bridge: 'br-sfc',
      mtu: 1500,
      capabilities: { ips: true },
      // One gateway for the whole subnet (ipv4Subnet): every node's entry names it.
      ipam: {
        type: 'static',
        nodes: svcNodes.map((n) => ({ nodeName: n.node, block: n.block, gateway: '10.70.0.1' })),
      },
    });
    expect(made.metadata.annotations).toMatchObject({
      'provisioning.xpuflow.dev/ipam': 'svc',
      'k8s.v1.cni.cncf.io/resourceName': 'nvidia.com/bf_sf',
    });
    await waitFor('sfc-net Ready', async () => (await nadReady('sfc-net'))?.status === 'True');
    await waitFor(
      'orphan waits for its IPAM',
      async () => (await nadReady('orphan'))?.reason === 'WaitingForIPAM',
    );
    expect((await nadReady('orphan'))?.message).toBe(
      'spec.ipam nope: DPUServiceIPAM xpuflow-ipam/nope does not exist: create it or fix spec.ipam',
    );
    expect(await nadIn('orphan')).toBeUndefined();

    // A network split into a /24 per node, each with its own gateway (gatewayIndex 1) and default route.
    await ipam('per-node', {
      ipv4Network: { network: '10.80.0.0/22', prefixSize: 24, gatewayIndex: 1, defaultGateway: true },
      dpuSelector: { matchLabels: { ipam: 'yes' } },
    });
    await kube.create('DPUServiceNAD', NS, {
      metadata: { name: 'per-node-net' },
      spec: { resourceType: 'veth', ipam: 'per-node' },
    });
    const nodes = [...DPUS].map((d) => dpuClusterNodeName(NS, d)).sort();
    const perNode = await waitFor('per-node-net with three node gateways', async () => {
      const c = await nadIn('per-node-net');
      const ipamConf = c && (JSON.parse(c.spec.config) as { ipam: { nodes?: unknown[] } }).ipam;
      return ipamConf?.nodes?.length === 3 && ipamConf;
    });
    expect(perNode).toEqual({
      type: 'static',
      routes: [{ dst: '0.0.0.0/0' }],
      nodes: nodes.map((nodeName, i) => ({
        nodeName,
        block: `10.80.${i}.0/24`,
        gateway: `10.80.${i}.1`,
        routes: [{ dst: '0.0.0.0/0', gw: `10.80.${i}.1` }],
      })),
    });

    await kube.delete('DPUServiceNAD', { namespace: NS, name: 'sfc-net' });
    await waitFor('the NetworkAttachmentDefinition gone', async () => !(await nadIn('sfc-net')));
    await waitFor(
      'the DPUServiceNAD gone',
      async () => !(await kube.get('DPUServiceNAD', { namespace: NS, name: 'sfc-net' })),
    );
  });

  test('an interface naming a missing IPAM is told so and waits; created, the IPAM gives it addresses', async () => {
    await iface('early', 'later');
    const rowsOf = async (name: string) =>
      (
        await kube.get<{ status?: { addresses?: InterfaceAddress[] } }>('DPUServiceInterface', {
          namespace: NS,
          name,
        })
      )?.status?.addresses ?? [];
    await waitFor('early told the IPAM is missing', async () => (await rowsOf('early')).length === 3);
    expect((await rowsOf('early')).map((r) => [r.ipam, r.address, r.message])).toEqual(
      DPUS.map(() => [
        'later',
        undefined,
        'DPUServiceIPAM xpuflow-ipam/later does not exist: create it or fix spec.ipam.name',
      ]),
    );
    await ipam('later', {
      ipv6Network: { network: 'fd00:77::/62', prefixSize: 64, gatewayIndex: 1 },
      dpuSelector: { matchLabels: { ipam: 'yes' } },
    });
    const rows = await waitFor('early has 3 addresses', async () => {
      const r = await rowsOf('early');
      return r.length === 3 && r.every((x) => x.address) && r;
    });
    expect(rows.map((r) => r.address).sort()).toEqual([
      'fd00:77:0:1::2/64',
      'fd00:77:0:2::2/64',
      'fd00:77::2/64',
    ]);
    expect(rows.every((r) => r.message === undefined)).toBe(true);
  });

  test('deleting an IPAM whose addresses interfaces hold is held, naming them; released when they are gone', async () => {
    await kube.delete('DPUServiceIPAM', { namespace: NS, name: 'later' });
    const held = await waitFor('later held', async () => {
      const c = await ready('later');
      return c?.reason === 'InUse' && c;
    });
    expect(held.message).toBe(
      'being deleted, held by DPUServiceInterfaces early (3 addresses): delete them or point their spec.ipam.name elsewhere, and it goes',
    );
    expect(await getIpam('later')).toBeDefined();
    await kube.delete('DPUServiceInterface', { namespace: NS, name: 'early' });
    await waitFor('later gone', async () => !(await getIpam('later')));
  });
});
