/**
 * The xpuflow-cni single executable driven by cnitool, libcni's reference
 * runtime (what containerd and CRI-O embed), from a network configuration
 * list in NETCONFPATH, with CNI_PATH holding xpuflow-cni and the reference
 * plugins it delegates IPAM to (host-local, static; IPv4 and IPv6), against
 * the real host agent of the VF attach harness (dev server, workers, sysfs
 * simulator, veth VFs, OVS, pods as network namespaces).
 *   cnitool: github.com/containernetworking/cni cnitool/cnitool.go at v1.3.0
 *   (commit a28faab92684aed3af64d5085733c34550ce9877): the container ID is
 *   "cnitool-" + hex of the first 10 bytes of sha512(netns path), CAP_ARGS
 *   carries capability args (here deviceID, as Multus passes the device
 *   plugin's VF), CNI_ARGS and CNI_IFNAME pass through; libcni caches ADD's
 *   result, hands it to CHECK and DEL as prevResult.
 * dhcp: the plugin's own daemon (`dhcp daemon -socketpath`) and dnsmasq (Debian's
 * dnsmasq-base) serving DHCP on the host end of the VF's veth.
 * Needs root (netns, veth, OVS), the Go tools and dnsmasq: under CI=true missing ones fail the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { leaseStatusQuery } from '../../model/vf-lease-api';
import { leaseMac, type VfLeaseStatus } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { cniPluginDir, xpuflowCniExecutable } from '../support/cni-tools';
import { requirePrerequisites } from '../support/prerequisites';
import { VF_PREREQUISITES, VfHarness } from './vf-harness';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Changes this host's network namespaces, links or OVS: one such file at a time, whatever else jest runs beside it.
holdLock(LOCKS.hostNetwork);

const { describe: describeCni } = requirePrerequisites('the cnitool end-to-end tests', [
  ...VF_PREREQUISITES,
  'dnsmasq',
]);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describeCni('cnitool runs xpuflow-cni ADD, CHECK and DEL from a conflist (real host agent)', () => {
  const h = new VfHarness(5);
  const daemons: ChildProcess[] = [];
  let netconfDir: string;
  let emptyDir: string;
  let cniPath: string;

  beforeAll(async () => {
    // The executable exactly as the DaemonSet's init container installs it: alone in a bin dir.
    const binDir = path.join(h.dir, 'cni-bin');
    fs.mkdirSync(binDir, { recursive: true });
    fs.copyFileSync(xpuflowCniExecutable(), path.join(binDir, 'xpuflow-cni'));
    fs.chmodSync(path.join(binDir, 'xpuflow-cni'), 0o755);
    cniPath = `${binDir}:${cniPluginDir()}`;
    emptyDir = fs.mkdtempSync(path.join(h.dir, 'cwd-'));
    netconfDir = path.join(h.dir, 'net.d');
    fs.mkdirSync(netconfDir);
    await h.start();
  }, 300_000);

  afterAll(async () => {
    for (const d of daemons) d.kill('SIGTERM');
    await h.dispose();
  }, 60_000);

  /** A long-running helper (dhcp daemon, dnsmasq), its output in the run's folder, stopped after the tests. */
  function daemon(name: string, argv: string[]): ChildProcess {
    const log = fs.openSync(path.join(h.dir, `${name}.log`), 'a');
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    daemons.push(child);
    return child;
  }

  async function waitForFile(file: string, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`${what} did not start\n${h.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A conflist as containerd reads from /etc/cni/net.d (and Multus from a NetworkAttachmentDefinition). */
  function writeNetwork(name: string, ipam: Record<string, unknown>): string {
    const network = `${name}-${h.tag}`;
    const list = {
      cniVersion: '1.0.0',
      name: network,
      plugins: [
        {
          type: 'xpuflow-cni',
          resourceName: h.resourceName,
          hostAgentSocket: h.socket,
          mtu: 9000,
          capabilities: { deviceID: true },
          ipam,
        },
      ],
    };
    fs.writeFileSync(path.join(netconfDir, `10-${network}.conflist`), JSON.stringify(list));
    return network;
  }

  const dualStackHostLocal = () => ({
    type: 'host-local',
    ranges: [
      [{ subnet: '10.79.0.0/24', gateway: '10.79.0.1' }],
      [{ subnet: 'fd00:79::/64', gateway: 'fd00:79::1' }],
    ],
    routes: [{ dst: '10.80.0.0/16' }, { dst: 'fd00:80::/48' }],
    dataDir: h.ipamDir,
  });

  function cnitool(command: string, network: string, netns: string, pod: string, vf: string): Promise<Run> {
    h.addPod(pod); // the lease collector keeps leases of pods that exist
    return new Promise((resolve, reject) => {
      const proc = spawn(path.join(cniPluginDir(), 'cnitool'), [command, network, netns], {
        cwd: emptyDir, // nothing of the package beside the plugins it runs
        env: {
          PATH: process.env.PATH,
          NETCONFPATH: netconfDir,
          CNI_PATH: cniPath,
          CNI_IFNAME: 'net1',
          CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_UID=uid-${pod}`,
          CAP_ARGS: JSON.stringify({ deviceID: vf }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (c) => (stdout += c));
      proc.stderr.on('data', (c) => (stderr += c));
      proc.on('error', reject);
      proc.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /** cnitool's container ID for a netns path (cnitool.go: sha512 of the path, first 10 bytes). */
  const containerIdOf = (netns: string) =>
    `cnitool-${crypto.createHash('sha512').update(netns).digest('hex').slice(0, 20)}`;

  /** The executable run directly with the environment cnitool gives it, to read the CNI error code. */
  function runPlugin(command: string, stdin: object, netns: string, pod: string): Promise<Run> {
    return new Promise((resolve, reject) => {
      const proc = spawn(path.join(h.dir, 'cni-bin', 'xpuflow-cni'), [], {
        cwd: fs.mkdtempSync(path.join(h.dir, 'empty-')),
        env: {
          CNI_COMMAND: command,
          CNI_CONTAINERID: containerIdOf(netns),
          CNI_NETNS: netns,
          CNI_IFNAME: 'net1',
          CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod}`,
          CNI_PATH: cniPath,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (c) => (stdout += c));
      proc.stderr.on('data', (c) => (stderr += c));
      proc.on('error', reject);
      proc.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      proc.stdin.end(JSON.stringify(stdin));
    });
  }

  const leaseStatus = (vf: string): Promise<VfLeaseStatus> =>
    h.client.workflow.getHandle(vfLeaseWorkflowId(h.node, vf)).query(leaseStatusQuery);
  async function leaseClosed(vf: string): Promise<void> {
    const handle = h.client.workflow.getHandle(vfLeaseWorkflowId(h.node, vf));
    const deadline = Date.now() + 30_000;
    while ((await handle.describe()).status.name !== 'COMPLETED') {
      if (Date.now() > deadline) throw new Error(`lease of ${vf} did not finish\n${h.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const inPodAddresses = (netns: string) =>
    (h.link('net1', netns)?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  const ok = (r: Run) => expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });

  test('host-local, IPv4 and IPv6: ADD attaches with both addresses and routes, CHECK passes, DEL undoes all', async () => {
    const vf = h.vfs[0];
    const network = writeNetwork('hl', dualStackHostLocal());
    const netns = h.netns('hl');
    const add = await cnitool('add', network, netns, 'pod-hl', vf);
    ok(add);
    const result = JSON.parse(add.stdout) as { ips: Array<{ address: string; gateway?: string }> };
    expect(result).toMatchObject({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'net1', mac: leaseMac(h.node, vf), sandbox: netns }],
      ips: [
        { address: '10.79.0.2/24', gateway: '10.79.0.1', interface: 0 },
        { address: 'fd00:79::2/64', gateway: 'fd00:79::1', interface: 0 },
      ],
      routes: [{ dst: '10.80.0.0/16' }, { dst: 'fd00:80::/48' }],
    });
    expect(inPodAddresses(netns)).toEqual(expect.arrayContaining(['10.79.0.2/24', 'fd00:79::2/64']));
    expect(h.link('net1', netns)).toMatchObject({ address: leaseMac(h.node, vf), mtu: 9000 });
    expect(h.ip(['route', 'show', '10.80.0.0/16'], netns)).toContain('via 10.79.0.1 dev net1');
    expect(h.ip(['-6', 'route', 'show', 'fd00:80::/48'], netns)).toContain('via fd00:79::1 dev net1');
    expect(h.ipamHolders(network).sort()).toEqual([
      `${containerIdOf(netns)}/net1`,
      `${containerIdOf(netns)}/net1`,
    ]);
    expect((await leaseStatus(vf)).phase).toBe('Attached');

    ok(await cnitool('check', network, netns, 'pod-hl', vf));

    ok(await cnitool('del', network, netns, 'pod-hl', vf));
    expect(h.link('net1', netns)).toBeUndefined();
    expect(h.link(h.vfIfname(0))).toMatchObject({ mtu: 1500, addr_info: [] });
    expect(h.ipamHolders(network)).toEqual([]);
    await leaseClosed(vf);
    // Runtimes repeat DELs: still success.
    ok(await cnitool('del', network, netns, 'pod-hl', vf));
  });

  test("static, IPv4 and IPv6: the configured addresses; CHECK with libcni's cached result; DEL", async () => {
    const vf = h.vfs[1];
    const network = writeNetwork('st', {
      type: 'static',
      addresses: [
        { address: '10.81.0.5/24', gateway: '10.81.0.1' },
        { address: 'fd00:81::5/64', gateway: 'fd00:81::1' },
      ],
      routes: [{ dst: '10.82.0.0/16' }, { dst: 'fd00:82::/48' }],
    });
    const netns = h.netns('st');
    const add = await cnitool('add', network, netns, 'pod-st', vf);
    ok(add);
    expect(JSON.parse(add.stdout)).toMatchObject({
      ips: [
        { address: '10.81.0.5/24', gateway: '10.81.0.1' },
        { address: 'fd00:81::5/64', gateway: 'fd00:81::1' },
      ],
    });
    expect(inPodAddresses(netns)).toEqual(expect.arrayContaining(['10.81.0.5/24', 'fd00:81::5/64']));
    expect(h.ip(['-6', 'route', 'show', 'fd00:82::/48'], netns)).toContain('via fd00:81::1 dev net1');
    ok(await cnitool('check', network, netns, 'pod-st', vf));
    ok(await cnitool('del', network, netns, 'pod-st', vf));
    expect(h.link('net1', netns)).toBeUndefined();
    await leaseClosed(vf);
  });

  test('DEL after the netns is gone: the VF is renamed back, the address and the lease released', async () => {
    const vf = h.vfs[2];
    const network = writeNetwork('gone', dualStackHostLocal());
    const netns = h.netns('gone');
    ok(await cnitool('add', network, netns, 'pod-gone', vf));
    // What the kernel does with a VF netdev when its netns goes: back to the host, pod's name kept.
    h.ip(['link', 'set', 'dev', 'net1', 'netns', `/proc/${process.pid}/ns/net`], netns);
    h.deleteNetns(netns);
    expect(fs.existsSync(netns)).toBe(false);
    ok(await cnitool('del', network, netns, 'pod-gone', vf));
    expect(h.link('net1')).toBeUndefined();
    expect(h.link(h.vfIfname(2))).toMatchObject({ mtu: 1500 });
    expect(h.ipamHolders(network)).toEqual([]);
    await leaseClosed(vf);
  });

  test('CHECK finds a renamed and a moved interface: cnitool fails, the plugin says code 5 and what it found', async () => {
    const vf = h.vfs[3];
    const network = writeNetwork('chk', dualStackHostLocal());
    const netns = h.netns('chk');
    const add = await cnitool('add', network, netns, 'pod-chk', vf);
    ok(add);
    // The plugin's own stdin for CHECK as libcni builds it: the list's name and version, prevResult.
    const stdin = {
      ...JSON.parse(fs.readFileSync(path.join(netconfDir, `10-${network}.conflist`), 'utf8')).plugins[0],
      cniVersion: '1.0.0',
      name: network,
      runtimeConfig: { deviceID: vf },
      prevResult: JSON.parse(add.stdout),
    };
    ok(await cnitool('check', network, netns, 'pod-chk', vf));

    h.ip(['link', 'set', 'dev', 'net1', 'name', 'net9'], netns);
    const renamed = await cnitool('check', network, netns, 'pod-chk', vf);
    expect(renamed.code).not.toBe(0);
    expect(renamed.stderr).toContain(`netns ${netns} has no interface net1`);
    const direct = await runPlugin('CHECK', stdin, netns, 'pod-chk');
    expect(direct.code).toBe(1);
    expect(JSON.parse(direct.stdout)).toMatchObject({ code: 5, msg: `netns ${netns} has no interface net1` });

    // Back under its name, then moved out of the pod (to the host netns).
    h.ip(['link', 'set', 'dev', 'net9', 'name', 'net1'], netns);
    ok(await cnitool('check', network, netns, 'pod-chk', vf));
    h.ip(['link', 'set', 'dev', 'net1', 'netns', `/proc/${process.pid}/ns/net`], netns);
    const moved = await cnitool('check', network, netns, 'pod-chk', vf);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain(`netns ${netns} has no interface net1`);
    expect(JSON.parse((await runPlugin('CHECK', stdin, netns, 'pod-chk')).stdout)).toMatchObject({ code: 5 });

    // DEL still puts everything back from where the interface is now.
    ok(await cnitool('del', network, netns, 'pod-chk', vf));
    expect(h.link('net1')).toBeUndefined();
    expect(h.link(h.vfIfname(3))).toMatchObject({ mtu: 1500 });
    expect(h.ipamHolders(network)).toEqual([]);
    await leaseClosed(vf);
  });

  test('dhcp: the VF is in the pod when the dhcp daemon asks dnsmasq for a lease; CHECK; DEL releases it', async () => {
    const vf = h.vfs[4];
    const serverEnd = `${h.vfIfname(4)}h`; // the veth peer of the "VF", left in the host
    h.ip(['addr', 'add', '10.83.0.1/24', 'dev', serverEnd]);
    h.ip(['link', 'set', 'dev', serverEnd, 'up']);
    const leases = path.join(h.dir, 'dnsmasq.leases');
    daemon('dnsmasq', [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--port=0', // DHCP only, no DNS
      `--interface=${serverEnd}`,
      '--bind-interfaces',
      '--dhcp-range=10.83.0.50,10.83.0.60,255.255.255.0,1h',
      '--dhcp-option=3,10.83.0.1',
      `--dhcp-leasefile=${leases}`,
      `--pid-file=${path.join(h.dir, 'dnsmasq.pid')}`,
    ]);
    const socket = path.join(h.dir, 'dhcp.sock');
    daemon('dhcp-daemon', [path.join(cniPluginDir(), 'dhcp'), 'daemon', '-socketpath', socket]);
    await waitForFile(socket, 'the dhcp daemon');
    await waitForFile(leases, 'dnsmasq');

    const network = writeNetwork('dhcp', { type: 'dhcp', daemonSocketPath: socket });
    const netns = h.netns('dhcp');
    const add = await cnitool('add', network, netns, 'pod-dhcp', vf);
    ok(add);
    const result = JSON.parse(add.stdout) as { ips: Array<{ address: string; gateway?: string }> };
    expect(result.ips).toHaveLength(1);
    expect(result.ips[0].address).toMatch(/^10\.83\.0\.(5\d|60)\/24$/);
    expect(result.ips[0].gateway).toBe('10.83.0.1');
    expect(inPodAddresses(netns)).toContain(result.ips[0].address);
    expect(h.link('net1', netns)).toMatchObject({ address: leaseMac(h.node, vf), mtu: 9000 });
    expect(fs.readFileSync(leases, 'utf8')).toContain(result.ips[0].address.split('/')[0]);
    ok(await cnitool('check', network, netns, 'pod-dhcp', vf));

    ok(await cnitool('del', network, netns, 'pod-dhcp', vf));
    expect(h.link('net1', netns)).toBeUndefined();
    expect(h.link(h.vfIfname(4))).toMatchObject({ mtu: 1500 });
    await leaseClosed(vf);
  });

  test('a configuration xpuflow-cni cannot accept: code 7 naming the field, no address taken, no lease', async () => {
    const vf = h.vfs[0];
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['mtu "big"', { mtu: 'big' }, 'mtu "big"'],
      ['no resourceName', { resourceName: undefined }, 'resourceName'],
      ['unknown IPAM type', { ipam: { type: 'whereabouts' } }, 'ipam.type "whereabouts"'],
    ];
    const netns = h.netns('bad');
    for (const [what, override, named] of cases) {
      const network = writeNetwork('bad', dualStackHostLocal());
      const file = path.join(netconfDir, `10-${network}.conflist`);
      const list = JSON.parse(fs.readFileSync(file, 'utf8'));
      list.plugins[0] = { ...list.plugins[0], ...override };
      fs.writeFileSync(file, JSON.stringify(list));
      const r = await cnitool('add', network, netns, 'pod-bad', vf);
      expect({ what, code: r.code }).toEqual({ what, code: 1 });
      expect(r.stderr).toContain(named);
      const direct = await runPlugin(
        'ADD',
        { ...list.plugins[0], cniVersion: '1.0.0', name: network },
        netns,
        'pod-bad',
      );
      expect(JSON.parse(direct.stdout)).toMatchObject({ code: 7 });
      expect(h.ipamHolders(network)).toEqual([]);
    }
    await expect(
      h.client.workflow.getHandle(vfLeaseWorkflowId(h.node, vf)).describe(),
    ).resolves.toMatchObject({
      status: { name: 'COMPLETED' }, // the first test's lease, finished; no new one started
    });
    expect(h.link('net1', netns)).toBeUndefined();
  });
});
