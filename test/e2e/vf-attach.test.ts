/**
 * Pod VF attach end to end: kubelet Allocate → lease (OPI bridge port on a
 * real OVS) → CNI ADD into a real netns → DEL, and what must not go wrong
 * around it. Needs root and Open vSwitch; skipped elsewhere with the reason.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bindDriver, setNumVfs } from '../../activities/sysfs';
import { leaseStatusQuery, releaseSignal } from '../../model/vf-lease-api';
import { REPO_ROOT } from '../support/tools';
import { leaseMac, type VfLeaseStatus } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { pciEnvName } from '../../node/deviceplugin/plugin';
import { captureHistory } from '../support/history-capture';
import { sampleSeries, samplesOf, scrape } from '../support/metrics-scrape';
import { requirePrerequisites } from '../support/prerequisites';
import { PF, VF_PREREQUISITES, VfHarness } from './vf-harness';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Changes this host's network namespaces, links or OVS: one such file at a time, whatever else jest runs beside it.
holdLock(LOCKS.hostNetwork);

const { describe: describeVf } = requirePrerequisites('the VF attach end-to-end tests', VF_PREREQUISITES);
/** A CNI call that succeeded (the error JSON shows in the diff when not). */
const OK = { code: 0, out: expect.not.objectContaining({ code: expect.anything() }), stderr: '' };

describeVf('pod VF attach (real netns, veth, OVS, kubelet protocol)', () => {
  const h = new VfHarness(6);

  beforeAll(async () => {
    await h.start();
  }, 180_000);

  afterAll(async () => {
    await h.dispose();
  }, 60_000);

  const lease = (pci: string) => h.client.workflow.getHandle(vfLeaseWorkflowId(h.node, pci));
  const leaseStatus = (pci: string): Promise<VfLeaseStatus> => lease(pci).query(leaseStatusQuery);
  async function waitFor<T>(
    what: string,
    fn: () => Promise<T | undefined> | T | undefined,
    timeoutMs = 20_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v !== undefined && v !== false) return v as T;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what} ${last ? `(${String(last)})` : ''}\n${h.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const leaseClosed = (pci: string) =>
    waitFor(`lease of ${pci} to finish`, async () =>
      (await lease(pci).describe()).status.name === 'COMPLETED' ? true : undefined,
    );
  const portFor = async (pci: string) =>
    (await h.opi.ports()).find((p) => p.bridgePort === `vf-${h.node}-${pci.replace(/[:.]/g, '-')}`);

  test('the device plugin registers and lists the pool healthy', async () => {
    const plugin = await h.kubelet.waitForPlugin(h.resourceName, (p) => p.devices.length === 6);
    expect(plugin.devices.map((d) => d.ID).sort()).toEqual([...h.vfs].sort());
    expect(plugin.devices.every((d) => d.health === 'Healthy')).toBe(true);
    expect(h.kubelet.registrations.map((r) => r.version)).toContain('v1beta1');
    // Only root (and the socket's group) may talk to the host agent; the plugin socket is root's.
    expect(fs.statSync(h.socket).mode & 0o777).toBe(0o660);
    expect(fs.statSync(path.join(h.pluginDir, `xpuflow-${h.pool.name}.sock`)).mode & 0o777).toBe(0o600);
  });

  test("the host worker's /metrics follows the leases it holds: up with each Allocate, down with each release", async () => {
    const [a, b] = [h.vfs[0], h.vfs[1]];
    const gauge = sampleSeries(h.metricsUrl, 'xpuflow_vf_leases_held', 'node', 50);
    const held = (n: number) =>
      waitFor(`${n} leases held on ${h.metricsUrl}`, () => gauge.seen.get(h.node)?.at(-1) === n || undefined);
    await held(0);
    await h.kubelet.allocate(h.resourceName, [[a]]);
    await held(1);
    await h.kubelet.allocate(h.resourceName, [[b]]);
    await held(2);
    for (const [vf, left] of [
      [a, 1],
      [b, 0],
    ] as const) {
      await lease(vf).signal(releaseSignal, { reason: 'metrics test done' });
      await leaseClosed(vf);
      await held(left);
    }
    expect((await gauge.stop()).get(h.node)).toEqual([0, 1, 2, 1, 0]);
  });

  test('Allocate → lease → ADD → CHECK → DEL round trip', async () => {
    const vf = h.vfs[0];
    const alloc = await h.kubelet.allocate(h.resourceName, [[vf]]);
    expect(alloc.containerResponses[0].envs[pciEnvName(h.resourceName)]).toBe(vf);
    await waitFor('lease Reserved', async () =>
      (await leaseStatus(vf)).phase === 'Reserved' ? true : undefined,
    );
    const port = await portFor(vf);
    expect(port).toMatchObject({ tag: 100, mac: leaseMac(h.node, vf) });

    const netns = h.netns('a');
    const conf = h.conf({ runtimeConfig: { deviceID: vf } });
    const add = await h.cni('ADD', { containerId: 'ctr-a', netns, pod: 'pod-a', conf });
    expect(add).toMatchObject(OK);
    expect(add.out).toMatchObject({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'net1', mac: leaseMac(h.node, vf), sandbox: netns }],
      ips: [{ address: '10.77.0.2/24', gateway: '10.77.0.1', interface: 0 }],
    });
    // From inside the pod netns.
    const inPod = h.link('net1', netns);
    expect(inPod).toMatchObject({ ifname: 'net1', address: leaseMac(h.node, vf), mtu: 9000 });
    expect(inPod?.flags).toContain('UP');
    expect(inPod?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.77.0.2/24');
    expect(h.ip(['route', 'show', '10.78.0.0/16'], netns)).toContain('via 10.77.0.1 dev net1');
    expect(h.link(h.vfIfname(0))).toBeUndefined();
    expect((await leaseStatus(vf)).phase).toBe('Attached');
    expect(await h.cni('CHECK', { containerId: 'ctr-a', netns, pod: 'pod-a', conf })).toMatchObject(OK);

    const before = h.link(`${h.vfIfname(0)}h`);
    expect(before).toBeDefined();
    const del = await h.cni('DEL', { containerId: 'ctr-a', netns, pod: 'pod-a', conf });
    expect(del).toMatchObject(OK);
    // Back in the host netns under its original name, MAC and MTU; nothing left in the pod.
    const back = h.link(h.vfIfname(0));
    expect(back).toMatchObject({ ifname: h.vfIfname(0), mtu: 1500 });
    expect(back?.address).not.toBe(leaseMac(h.node, vf));
    expect(back?.addr_info).toEqual([]);
    expect(h.link('net1', netns)).toBeUndefined();
    await leaseClosed(vf);
    expect(await portFor(vf)).toBeUndefined();
    captureHistory(h.server.address, vfLeaseWorkflowId(h.node, vf), 'vf-lease-attach-release.json');
    expect(h.ipamHolders()).not.toContain('ctr-a/net1');
    // A second DEL (runtimes repeat them) is still success.
    expect(await h.cni('DEL', { containerId: 'ctr-a', netns, pod: 'pod-a', conf })).toMatchObject(OK);
  });

  test('two pods racing for one VF: one wins, the other gets a clear error and nothing changes for it', async () => {
    const vf = h.vfs[1];
    await h.kubelet.allocate(h.resourceName, [[vf]]);
    const [nsB, nsC] = [h.netns('b'), h.netns('c')];
    const conf = h.conf({ runtimeConfig: { deviceID: vf } });
    const [b, c] = await Promise.all([
      h.cni('ADD', { containerId: 'ctr-b', netns: nsB, pod: 'pod-b', conf }),
      h.cni('ADD', { containerId: 'ctr-c', netns: nsC, pod: 'pod-c', conf }),
    ]);
    const results = [b, c].map((r) => (r.code === 0 ? 0 : r.out.code)).sort();
    expect(results).toEqual([0, 7]);
    const [winner, loser] =
      b.code === 0
        ? [
            ['pod-b', nsB, 'ctr-b'],
            ['pod-c', nsC, 'ctr-c'],
          ]
        : [
            ['pod-c', nsC, 'ctr-c'],
            ['pod-b', nsB, 'ctr-b'],
          ];
    const lost = b.code === 0 ? c : b;
    expect(String(lost.out.msg)).toContain(`leased to pod default/${winner[0]}`);
    expect(String(lost.out.msg)).toContain(vf);
    expect(h.link('net1', loser[1])).toBeUndefined();
    expect(h.link('net1', winner[1])).toBeDefined();
    expect((await leaseStatus(vf)).pod?.name).toBe(winner[0]);
    // The loser's DEL does not release the winner's VF.
    expect(await h.cni('DEL', { containerId: loser[2], netns: loser[1], pod: loser[0], conf })).toMatchObject(
      OK,
    );
    expect((await leaseStatus(vf)).phase).toBe('Attached');
    expect(
      await h.cni('DEL', { containerId: winner[2], netns: winner[1], pod: winner[0], conf }),
    ).toMatchObject(OK);
    await leaseClosed(vf);
    expect(h.link(h.vfIfname(1))).toBeDefined();
  });

  test('DEL after the netns vanished: the netdev the kernel handed back is renamed back, the lease released', async () => {
    const vf = h.vfs[2];
    const netns = h.netns('d');
    const conf = h.conf({ runtimeConfig: { deviceID: vf } });
    expect(await h.cni('ADD', { containerId: 'ctr-d', netns, pod: 'pod-d', conf })).toMatchObject(OK);
    // What the kernel does to a VF netdev when its netns is destroyed: back to the host, pod's name kept.
    h.ip(['link', 'set', 'dev', 'net1', 'netns', `/proc/${process.pid}/ns/net`], netns);
    h.deleteNetns(netns);
    expect(h.link('net1')).toBeDefined();
    const del = await h.cni('DEL', { containerId: 'ctr-d', netns, pod: 'pod-d', conf });
    expect(del).toMatchObject(OK);
    expect(h.link('net1')).toBeUndefined();
    expect(h.link(h.vfIfname(2))).toMatchObject({ mtu: 1500 });
    await leaseClosed(vf);
    expect(await portFor(vf)).toBeUndefined();
  });

  test('DEL when the netns and the netdev are both gone still succeeds and releases the lease', async () => {
    const vf = h.vfs[5];
    const netns = h.netns('e');
    const conf = h.conf({ runtimeConfig: { deviceID: vf } });
    expect(await h.cni('ADD', { containerId: 'ctr-e', netns, pod: 'pod-e', conf })).toMatchObject(OK);
    h.deleteNetns(netns); // a veth dies with its netns
    expect(await h.cni('DEL', { containerId: 'ctr-e', netns, pod: 'pod-e', conf })).toMatchObject(OK);
    await leaseClosed(vf);
  });

  test('a vfio-bound VF: Allocate returns the PCI env and /dev/vfio device specs', async () => {
    const vf = h.vfs[5];
    const resource = `xpuflow.io/${h.vfioPool.name}`;
    await bindDriver(h.sysfsRoot, vf, 'vfio-pci');
    try {
      await h.kubelet.waitForPlugin(
        resource,
        (p) => p.devices.length === 1 && p.devices[0].health === 'Healthy',
      );
      const group = path.basename(
        fs.readlinkSync(path.join(h.sysfsRoot, 'bus', 'pci', 'devices', vf, 'iommu_group')),
      );
      const alloc = await h.kubelet.allocate(resource, [[vf]]);
      const res = alloc.containerResponses[0];
      expect(res.envs[pciEnvName(resource)]).toBe(vf);
      expect(res.devices).toEqual([
        { containerPath: '/dev/vfio/vfio', hostPath: '/dev/vfio/vfio', permissions: 'rw' },
        { containerPath: `/dev/vfio/${group}`, hostPath: `/dev/vfio/${group}`, permissions: 'rw' },
      ]);
      // the mlx5 pool shows it, but not as usable
      await h.kubelet.waitForPlugin(
        h.resourceName,
        (p) => p.devices.find((d) => d.ID === vf)?.health === 'Unhealthy',
      );
      await lease(vf).signal(releaseSignal, { reason: 'test done' });
      await leaseClosed(vf);
    } finally {
      await bindDriver(h.sysfsRoot, vf, 'mlx5_core');
    }
  });

  test('bad input: each refused with the spec code, the value named, nothing changed', async () => {
    const netns = h.netns('bad');
    const vf = h.vfs[3];
    const noIpam = h.conf({ runtimeConfig: { deviceID: vf } });
    delete noIpam.ipam;
    const cases: Array<[string, Record<string, unknown>, string, number, string]> = [
      ['missing ipam', noIpam, netns, 7, 'ipam'],
      [
        'missing resourceName',
        { ...h.conf({ deviceID: vf }), resourceName: undefined },
        netns,
        7,
        'resourceName',
      ],
      ['unknown VF', h.conf({ deviceID: '0000:3b:07.7' }), netns, 7, '0000:3b:07.7'],
      ['malformed VF', h.conf({ deviceID: 'not-a-pci' }), netns, 7, 'not-a-pci'],
      [
        'netns that does not exist',
        h.conf({ deviceID: vf }),
        '/var/run/netns/no-such-ns',
        3,
        '/var/run/netns/no-such-ns',
      ],
      [
        'pool selector matching nothing',
        h.conf({ deviceID: vf, resourceName: `xpuflow.io/${h.emptyPool.name}` }),
        netns,
        7,
        h.emptyPool.name,
      ],
      ['old cniVersion', h.conf({ deviceID: vf, cniVersion: '0.1.0' }), netns, 1, '0.1.0'],
    ];
    for (const [what, conf, ns, code, named] of cases) {
      const r = await h.cni('ADD', { containerId: `ctr-bad`, netns: ns, pod: 'pod-bad', conf });
      expect({ what, code: r.code, errCode: r.out.code }).toEqual({ what, code: 1, errCode: code });
      expect(String(r.out.msg)).toContain(named);
    }
    // None of them started a lease, took an address or moved an interface.
    await expect(lease(vf).describe()).rejects.toThrow(/not found/i);
    expect(h.ipamHolders()).not.toContain('ctr-bad/net1');
    expect(h.ip(['-j', 'link', 'show'], netns)).not.toContain('net1');
    // A VF leased to another pod.
    const other = h.netns('owner');
    const conf = h.conf({ deviceID: vf });
    expect(
      await h.cni('ADD', { containerId: 'ctr-owner', netns: other, pod: 'pod-owner', conf }),
    ).toMatchObject(OK);
    const stolen = await h.cni('ADD', { containerId: 'ctr-bad', netns, pod: 'pod-bad', conf });
    expect(stolen.out).toMatchObject({ code: 7 });
    expect(String(stolen.out.msg)).toContain('leased to pod default/pod-owner');
    expect(h.ip(['-j', 'link', 'show'], netns)).not.toContain('net1');
    expect(h.ipamHolders()).not.toContain('ctr-bad/net1');
    expect((await leaseStatus(vf)).pod?.name).toBe('pod-owner');
    expect(
      await h.cni('DEL', { containerId: 'ctr-owner', netns: other, pod: 'pod-owner', conf }),
    ).toMatchObject(OK);
    await leaseClosed(vf);
  });

  test('a pod deleted without DEL: its lease is collected, both sides undone', async () => {
    const vf = h.vfs[4];
    const netns = h.netns('gone');
    const conf = h.conf({ deviceID: vf });
    expect(await h.cni('ADD', { containerId: 'ctr-gone', netns, pod: 'pod-gone', conf })).toMatchObject(OK);
    expect(await portFor(vf)).toBeDefined();
    // Still there: not collected.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await leaseStatus(vf)).phase).toBe('Attached');
    // The node's count of leases held for pods that are gone (XpuflowVfLeasePodGone): 0, at most 1 while
    // the release runs, 0 again once it is done, with no "since" left behind.
    const podGone = sampleSeries(h.metricsUrl, 'xpuflow_vf_leases_pod_gone', 'node', 50);
    await waitFor('the pod-gone gauge', () => podGone.seen.get(h.node));
    h.removePod('pod-gone');
    await leaseClosed(vf);
    const result = await lease(vf).result();
    expect(result.releaseReason).toContain('no longer exists');
    await waitFor('no lease held for a gone pod', () => podGone.seen.get(h.node)?.at(-1) === 0 || undefined);
    const seen = (await podGone.stop()).get(h.node)!;
    expect([seen[0], seen.at(-1), seen.every((v) => v === 0 || v === 1)]).toEqual([0, 0, true]);
    expect(
      samplesOf(await scrape(h.metricsUrl), 'xpuflow_vf_leases_pod_gone_since_seconds').map((x) => [
        x.labels.node,
        x.value,
      ]),
    ).toEqual([[h.node, 0]]);
    captureHistory(h.server.address, vfLeaseWorkflowId(h.node, vf), 'vf-lease-collected.json');
    expect(h.link(h.vfIfname(4))).toBeDefined();
    expect(h.link('net1', netns)).toBeUndefined();
    expect(await portFor(vf)).toBeUndefined();
  });

  test('kubelet restart: the plugin registers again with the same devices', async () => {
    const before = h.kubelet.registrations.length;
    const devices = (await h.kubelet.waitForPlugin(h.resourceName)).devices;
    await h.kubelet.restart();
    const plugin = await h.kubelet.waitForPlugin(h.resourceName, (p) => p.devices.length === devices.length);
    expect(h.kubelet.registrations.length).toBeGreaterThan(before);
    expect(plugin.devices).toEqual(devices);
  });

  test('host worker killed (SIGKILL) between Allocate and ADD: the lease completes once it is back', async () => {
    const vf = h.vfs[0];
    await h.kubelet.allocate(h.resourceName, [[vf]]);
    await h.host?.kill9();
    // The lease runs on the host worker's queue, its first workflow task handed to that worker in
    // Allocate's start (eager): killed, perhaps before it finished that task, the lease stays, durable,
    // and goes on (OPI bridge port, Reserved) once a host worker polls again.
    expect((await lease(vf).describe()).status.name).toBe('RUNNING');
    // The new worker's lease gauge starts at the lease it holds, never at a seeded 0.
    const gauge = sampleSeries(h.metricsUrl, 'xpuflow_vf_leases_held', 'node', 20);
    await h.startHost();
    await waitFor(
      'lease Reserved',
      async () => ((await leaseStatus(vf)).phase === 'Reserved' ? true : undefined),
      40_000,
    );
    expect(await portFor(vf)).toMatchObject({ mac: leaseMac(h.node, vf) });
    await waitFor('the lease gauge of the restarted worker', () => gauge.seen.get(h.node));
    expect((await gauge.stop()).get(h.node)).toEqual([1]);
    const netns = h.netns('k9');
    const conf = h.conf({ deviceID: vf });
    expect(await h.cni('ADD', { containerId: 'ctr-k9', netns, pod: 'pod-k9', conf })).toMatchObject(OK);
    expect((await leaseStatus(vf)).phase).toBe('Attached');
    expect(h.link('net1', netns)).toBeDefined();
    expect(await h.cni('DEL', { containerId: 'ctr-k9', netns, pod: 'pod-k9', conf })).toMatchObject(OK);
    await leaseClosed(vf);
  });

  test('health follows sysfs: a PF link going down marks the pool Unhealthy in ListAndWatch', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const operstate = path.join(
      h.sysfsRoot,
      'bus',
      'pci',
      'devices',
      '0000:3b:00.0',
      'net',
      h.pfIfname,
      'operstate',
    );
    fs.writeFileSync(operstate, 'down\n');
    await h.kubelet.waitForPlugin(
      h.resourceName,
      (p) => p.devices.length > 0 && p.devices.every((d) => d.health === 'Unhealthy'),
    );
    fs.writeFileSync(operstate, 'up\n');
    await h.kubelet.waitForPlugin(
      h.resourceName,
      (p) => p.devices.length > 0 && p.devices.every((d) => d.health === 'Healthy'),
    );
  });

  test('CLI: vf attach, leases, list, a refused second pod, detach --wait', async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args],
          { env: { ...process.env, ...h.env } },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        ),
      );
    const vf = h.vfs[3];
    h.addPod('pod-cli'); // the collector releases leases of pods that do not exist
    const attach = await cli([
      'vf',
      'attach',
      '--node',
      h.node,
      '--pci',
      vf,
      '--pod',
      'default/pod-cli',
      '--dpu',
      h.dpu,
      '--vlan',
      '100',
    ]);
    expect(attach).toMatchObject({ code: 0 });
    expect(attach.out).toContain('leased to default/pod-cli');
    const other = await cli([
      'vf',
      'attach',
      '--node',
      h.node,
      '--pci',
      vf,
      '--pod',
      'default/pod-other',
      '--dpu',
      h.dpu,
      '--vlan',
      '100',
    ]);
    expect(other.code).toBe(2);
    expect(other.out).toContain('leased to pod default/pod-cli');
    const listed = await waitFor('the lease in vf leases', async () => {
      const r = await cli(['vf', 'leases', '--node', h.node, '--json']);
      const leases = JSON.parse(r.out) as VfLeaseStatus[];
      return leases.find((l) => l.pciAddress === vf);
    });
    expect(listed.pod).toMatchObject({ namespace: 'default', name: 'pod-cli' });
    const configFile = path.join(h.dir, 'vf.json');
    fs.writeFileSync(configFile, JSON.stringify(h.vfConfig()));
    const list = await cli([
      'vf',
      'list',
      '--vf-config',
      configFile,
      '--node',
      h.node,
      '--sysfs-root',
      h.sysfsRoot,
    ]);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${vf.replace(/\./g, '\\.')}.*Healthy.*default/pod-cli`));
    const detach = await cli(['vf', 'detach', '--node', h.node, '--pci', vf, '--wait']);
    expect(detach).toMatchObject({ code: 0 });
    await leaseClosed(vf);
    expect(await portFor(vf)).toBeUndefined();
  });

  test('ListAndWatch follows VFs going and coming (sriov_numvfs through 0)', async () => {
    const before = (await h.kubelet.waitForPlugin(h.resourceName)).updates;
    await setNumVfs(h.sysfsRoot, PF, 0);
    await h.kubelet.waitForPlugin(h.resourceName, (p) => p.devices.length === 0);
    await setNumVfs(h.sysfsRoot, PF, 6);
    const plugin = await h.kubelet.waitForPlugin(
      h.resourceName,
      (p) => p.devices.length === 6 && p.devices.every((d) => d.health === 'Healthy'),
    );
    expect(plugin.updates).toBeGreaterThanOrEqual(before + 2);
    expect(plugin.devices.map((d) => d.ID).sort()).toEqual([...h.vfs].sort());
  });
});
