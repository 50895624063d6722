/**
 * End-to-end harness of the VF attach flow: a real dev server; control, host
 * and DPU workers as real processes; the sysfs simulator whose VF netdevs are
 * real veth interfaces in the host netns; a private Open vSwitch behind the
 * OPI simulator; a kubelet peer on the device plugin folder; pods as real
 * network namespaces; the real xpuflow-cni executable. Every name carries a
 * per-run tag, and dispose() removes what was created even after a failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { waitForPollers } from '../../platform/connection/pollers';
import { setNumVfs } from '../../activities/sysfs';
import type { VfHostConfig } from '../../node/hostagent/config';
import type { PoolConfig } from '../../node/deviceplugin/pool';
import { CONTROL_TASK_QUEUE, dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';
import { freePort } from '../../sim/free-port';
import { startKubeletSim, type KubeletSim } from '../../sim/kubelet';
import { startOpiSim, type OpiSim } from '../../sim/opi';
import { startPrivateOvs, type PrivateOvs } from '../../sim/ovs';
import { createSysfsTree, startSimKernel, type SimKernel } from '../../sim/sysfs';
import {
  spawnControlWorker,
  spawnDpuWorkers,
  spawnHostWorkers,
  type WorkerProcess,
} from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import type { Prerequisite } from '../support/prerequisites';
import { REPO_ROOT } from '../support/tools';
import { logTails } from '../support/log-tails';
import { cniPluginDir } from '../support/cni-tools';

/**
 * What these tests need (test/support/prerequisites.ts): root, ip and nsenter,
 * Open vSwitch, and the reference IPAM plugins xpuflow-cni delegates to.
 */
export const VF_PREREQUISITES: Prerequisite[] = ['root', 'iproute2', 'openvswitch', 'cni-plugins'];

export const PF = '0000:3b:00.0';

export interface CniCall {
  code: number;
  out: Record<string, unknown>;
  stderr: string;
}

/**
 * A Temporal other than the harness's own dev server (the cluster of
 * test/support/temporal-cluster.ts): the workers' TEMPORAL_* and the test's client.
 */
export interface VfTemporal {
  env: NodeJS.ProcessEnv;
  connect(): Promise<Client>;
}

export class VfHarness {
  readonly tag = crypto.randomBytes(2).toString('hex');
  readonly server = new DevServer();
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-vf-'));
  readonly node = `vfnode-${this.tag}`;
  readonly dpu = `dpu-${this.tag}`;
  readonly pfIfname = `x${this.tag}p`;
  readonly sysfsRoot = path.join(this.dir, 'sys');
  readonly stateDir = path.join(this.dir, 'state');
  readonly socket = path.join(this.dir, 'run', 'hostagent.sock');
  readonly podsFile = path.join(this.dir, 'pods.json');
  readonly pluginDir = path.join(this.dir, 'device-plugins');
  readonly pool: PoolConfig;
  /** A pool whose selector matches nothing on this node. */
  readonly emptyPool: PoolConfig;
  /** VF 5 when bound to vfio-pci (DPDK/VM-style pods). */
  readonly vfioPool: PoolConfig;
  client!: Client;
  kernel!: SimKernel;
  ovs!: PrivateOvs;
  opi!: OpiSim;
  kubelet!: KubeletSim;
  control?: WorkerProcess;
  host?: WorkerProcess;
  dpuWorker?: WorkerProcess;
  vfs: string[] = [];
  /** The host worker's Prometheus port (its /metrics carries xpuflow_vf_leases_held), kept across restarts. */
  metricsPort = 0;
  private hostStarts = 0;
  private readonly netnses: string[] = [];
  private readonly links: string[] = [];

  constructor(
    readonly numVfs = 4,
    private readonly temporal?: VfTemporal,
  ) {
    this.pool = {
      name: `pool-${this.tag}`,
      dpu: this.dpu,
      vlan: 100,
      selector: { pfNames: [this.pfIfname], drivers: ['mlx5_core'] },
    };
    this.vfioPool = {
      name: `vfio-${this.tag}`,
      dpu: this.dpu,
      vlan: 300,
      selector: { pfNames: [this.pfIfname], vfRange: '5', drivers: ['vfio-pci'] },
    };
    this.emptyPool = {
      name: `empty-${this.tag}`,
      dpu: this.dpu,
      vlan: 200,
      selector: { pfNames: ['no-such-pf'] },
    };
  }

  get env(): NodeJS.ProcessEnv {
    if (this.temporal) return this.temporal.env;
    return { TEMPORAL_ADDRESS: this.server.address, TEMPORAL_NAMESPACE: 'default' };
  }

  get resourceName(): string {
    return `xpuflow.io/${this.pool.name}`;
  }

  vfIfname(index: number): string {
    return `${this.pfIfname}v${index}`;
  }

  async start(): Promise<void> {
    this.metricsPort = await freePort();
    if (this.temporal) this.client = await this.temporal.connect();
    else {
      await this.server.start();
      const connection = await Connection.connect({ address: this.server.address });
      this.client = new Client({ connection, namespace: 'default' });
    }
    const tree = createSysfsTree(this.sysfsRoot, {
      pfs: [{ pciAddress: PF, totalVfs: 8, ifname: this.pfIfname }],
    });
    fs.writeFileSync(path.join(tree.deviceDir(PF), 'net', this.pfIfname, 'operstate'), 'up\n');
    this.kernel = startSimKernel(this.sysfsRoot, { persistent: false });
    await setNumVfs(this.sysfsRoot, PF, this.numVfs);
    for (let k = 0; k < this.numVfs; k++) {
      this.vfs.push(tree.vfAddress(PF, k));
      // The VF netdev the kernel would create: a real interface named as sysfs says.
      this.ip(['link', 'add', this.vfIfname(k), 'type', 'veth', 'peer', 'name', `${this.vfIfname(k)}h`]);
      this.links.push(this.vfIfname(k), `${this.vfIfname(k)}h`);
    }
    this.ovs = await startPrivateOvs(path.join(this.dir, 'ovs'));
    this.opi = await startOpiSim({ ovs: this.ovs, bridge: `xb${this.tag}`, portPrefix: `xq${this.tag}` });
    this.kubelet = await startKubeletSim(this.pluginDir);
    fs.writeFileSync(this.podsFile, '[]');
    this.control = spawnControlWorker({
      bfbCacheDir: path.join(this.dir, 'bfb'),
      logFile: path.join(this.dir, 'control.log'),
      env: this.env,
    });
    this.dpuWorker = spawnDpuWorkers({
      placements: [{ dpu: this.dpu, opiAddress: this.opi.address }],
      logFile: path.join(this.dir, 'dpu.log'),
      env: this.env,
    });
    await this.startHost();
    await waitForPollers(this.client, [
      { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
      { taskQueue: dpuTaskQueue(this.dpu) },
    ]);
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}/metrics`;
  }

  vfConfig(): VfHostConfig {
    return {
      stateDir: this.stateDir,
      hostAgentSocket: this.socket,
      devicePluginDir: this.pluginDir,
      pools: [this.pool, this.emptyPool, this.vfioPool],
      pods: { file: this.podsFile },
      collectIntervalMs: 300,
      pollIntervalMs: 100,
      attachTimeoutMs: 120_000,
    };
  }

  async startHost(): Promise<void> {
    this.host = spawnHostWorkers({
      placements: [{ node: this.node, sysfsRoot: this.sysfsRoot, vf: this.vfConfig() }],
      logFile: path.join(this.dir, `host-${++this.hostStarts}.log`),
      env: { ...this.env, XPUFLOW_METRICS_ADDRESS: `127.0.0.1:${this.metricsPort}` },
    });
    await waitForPollers(this.client, [{ taskQueue: hostTaskQueue(this.node) }]);
    // A killed agent leaves its socket file behind: wait until one answers. A worker process started
    // on a loaded 2-core machine (8 sessions) was seen taking more than 15 s before its first line.
    const deadline = Date.now() + 60_000;
    while (!(await this.socketAnswers())) {
      if (Date.now() > deadline) throw new Error(`host agent socket did not answer\n${this.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private socketAnswers(): Promise<boolean> {
    return new Promise((resolve) => {
      const s = net.createConnection(this.socket);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  }

  private readonly pods = new Set<string>();

  /** The pods the kubelet peer says exist (the collector's source). */
  addPod(name: string): void {
    this.pods.add(name);
    this.writePods();
  }

  removePod(name: string): void {
    this.pods.delete(name);
    this.writePods();
  }

  private writePods(): void {
    fs.writeFileSync(
      this.podsFile,
      JSON.stringify([...this.pods].map((name) => ({ namespace: 'default', name }))),
    );
  }

  ip(args: string[], netns?: string): string {
    // stderr piped, not inherited: a probe for an interface that is (rightly) gone prints nothing
    const opts = { encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
    return netns
      ? execFileSync('nsenter', [`--net=${netns}`, 'ip', ...args], opts)
      : execFileSync('ip', args, opts);
  }

  link(
    ifname: string,
    netns?: string,
  ):
    | {
        ifname: string;
        address: string;
        mtu: number;
        flags: string[];
        addr_info: Array<{ local: string; prefixlen: number }>;
      }
    | undefined {
    try {
      return JSON.parse(this.ip(['-j', 'addr', 'show', 'dev', ifname], netns))[0];
    } catch {
      return undefined;
    }
  }

  /** A pod sandbox: a new network namespace. Returns its path. */
  netns(pod: string): string {
    const name = `xp${this.tag}-${pod}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.netnses.push(name);
    return `/var/run/netns/${name}`;
  }

  deleteNetns(netnsPath: string): void {
    execFileSync('ip', ['netns', 'del', path.basename(netnsPath)]);
  }

  /** Runs the real xpuflow-cni executable. */
  cni(
    command: string,
    opts: {
      containerId: string;
      netns: string;
      ifname?: string;
      pod: string;
      namespace?: string;
      conf: object;
    },
  ): Promise<CniCall> {
    if (command === 'ADD') this.addPod(opts.pod); // a pod being set up exists
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'node', 'cni', 'main.js')], {
        env: {
          ...process.env,
          CNI_COMMAND: command,
          CNI_CONTAINERID: opts.containerId,
          CNI_NETNS: opts.netns,
          CNI_IFNAME: opts.ifname ?? 'net1',
          CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${opts.namespace ?? 'default'};K8S_POD_NAME=${opts.pod};K8S_POD_UID=uid-${opts.pod}`,
          CNI_PATH: cniPluginDir(), // host-local and static, which xpuflow-cni runs for IPAM
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      proc.stdout.on('data', (c) => (out += c));
      proc.stderr.on('data', (c) => (err += c));
      proc.on('error', reject);
      proc.on('exit', (code) => {
        try {
          resolve({ code: code ?? -1, out: out.trim() ? JSON.parse(out) : {}, stderr: err });
        } catch {
          reject(new Error(`xpuflow-cni printed non-JSON: ${out} ${err}`));
        }
      });
      proc.stdin.end(JSON.stringify(opts.conf));
    });
  }

  conf(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      cniVersion: '1.0.0',
      name: `vfnet-${this.tag}`,
      type: 'xpuflow-cni',
      resourceName: this.resourceName,
      hostAgentSocket: this.socket,
      mtu: 9000,
      ipam: {
        type: 'host-local',
        subnet: '10.77.0.0/24',
        gateway: '10.77.0.1',
        routes: [{ dst: '10.78.0.0/16' }],
        dataDir: this.ipamDir,
      },
      ...overrides,
    };
  }

  /** The host-local plugin's dataDir for this run's networks. */
  get ipamDir(): string {
    return path.join(this.stateDir, 'ipam');
  }

  /**
   * Who holds host-local addresses of `network` ("<containerId>/<ifname>"): one
   * file per address, holding "<id>\r\n<ifname>" (containernetworking/plugins
   * plugins/ipam/host-local/backend/disk/backend.go, Store.Reserve, commit
   * 3d27709faaa4e3619f299b962d9ea24589e28f9c), beside
   * its "lock" and "last_reserved_ip.<range>" files.
   */
  ipamHolders(network = `vfnet-${this.tag}`): string[] {
    const dir = path.join(this.ipamDir, network);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8').replace('\r\n', '/'));
  }

  logs(): string {
    return logTails(this.dir);
  }

  async dispose(): Promise<void> {
    const quiet = async (f: () => unknown) => {
      try {
        await f();
      } catch {
        // cleanup goes on
      }
    };
    await Promise.all([this.control, this.host, this.dpuWorker].map((w) => quiet(() => w?.stop(5_000))));
    for (const ns of this.netnses)
      await quiet(() => execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }));
    for (const l of this.links)
      await quiet(() => execFileSync('ip', ['link', 'del', l], { stdio: 'ignore' }));
    await quiet(() => this.kubelet?.stop());
    await quiet(() => this.opi?.stop());
    await quiet(() => this.ovs?.stop());
    await quiet(() => this.kernel?.stop());
    await quiet(() => this.client?.connection.close());
    await quiet(() => this.server.dispose());
    if (process.env.XPUFLOW_KEEP_TEST_DIR !== '1') fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
