/**
 * A real Kubernetes node for the tests: a containerd with its own root, state,
 * config and socket, and a kubelet (v1.36.3, built by scripts/kube-assets.sh)
 * registered with a test cluster's real kube-apiserver under its own node
 * identity (a client certificate for `system:node:<name>` in `system:nodes`,
 * signed by the cluster CA, so the Node authorizer and NodeRestriction judge
 * it as they judge any kubelet). The busybox pause and test images
 * (scripts/ensure-kubelet-node.sh) are imported with ctr; pods use
 * `imagePullPolicy: Never`, since no registry is reachable.
 *
 * What this machine needs, as issue 18 found it:
 * - `failCgroupV1: false`: the host mounts cgroup v1, which the kubelet refuses
 *   by default since 1.35 (kubernetes/kubernetes
 *   pkg/kubelet/apis/config/validation/validation_linux.go,
 *   validateKubeletOSConfiguration, commit 0428b0fd07fedac134c97b3c802733c02ec06adb;
 *   the same in v1.36.3, the version built);
 * - `cgroupDriver: cgroupfs` (no systemd) and `failSwapOn: false`;
 * - containerd's CRI `restrict_oom_score_adj = true`: without CAP_SYS_RESOURCE runc
 *   cannot write a sandbox's negative oom_score_adj and every sandbox fails;
 * - a CNI configuration in containerd's conf dir, or the node never reports
 *   NetworkReady. The tests' pods all use the host network, for which containerd
 *   makes no network namespace and calls no CNI plugin (containerd/containerd
 *   pkg/cri/server/sandbox_run.go, RunPodSandbox: podNetwork is false for
 *   NamespaceMode_NODE, commit 02f0a8b50e2b2021d605adde01f8e6744606f46f), so the loopback
 *   configuration here is never executed.
 *
 * The kubelet's device plugin folder is fixed at /var/lib/kubelet/device-plugins
 * whatever its root directory (kubernetes/kubernetes v1.36.3,
 * staging/src/k8s.io/kubelet/pkg/apis/deviceplugin/v1beta1/constants.go,
 * DevicePluginPath; kubelet.sock is KubeletSocket there), so one real
 * node runs on a machine at a time: a lock file there says which process has it.
 *
 * stop() leaves nothing behind: every container and sandbox is killed and
 * removed through ctr, the shims exit with their tasks, containerd and the
 * kubelet are stopped, mounts under the node's directory are unmounted, the
 * pods' cgroups removed and the device plugin folder emptied of what the
 * kubelet put there.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { KubeCluster } from '../../sim/kube';
import { freePort } from '../../sim/free-port';
import { PAUSE_IMAGE, realNodeTools } from './real-node-tools';
import { waitFor } from './wait-for';
import { exclusiveLock, LOCKS } from './exclusive-lock';
import { pidAlive } from './pid-alive';
import { tearDown } from './tear-down';

const run = promisify(execFile);

/** The kubelet's fixed device plugin folder (see the file comment). */
export const DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
const LOCK = path.join(DEVICE_PLUGIN_DIR, '.xpuflow-real-node.lock');
/** What the kubelet itself makes in DEVICE_PLUGIN_DIR (its socket and its device checkpoint). */
const KUBELET_FILES = ['kubelet.sock', 'kubelet_internal_checkpoint'];

export interface RealNodeOptions {
  /** The node name (the kubelet's --hostname-override and its certificate's identity). */
  name: string;
  cluster: KubeCluster;
}

export class RealNode {
  /** Short: unix socket paths must stay under 108 bytes. */
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpu-node-'));
  readonly name: string;
  private readonly cluster: KubeCluster;
  private containerd?: ChildProcess;
  private kubelet?: ChildProcess;
  private kubeletArgs: string[] = [];
  private lockTaken = false;
  /** Releases the cross-process wait-lock on the kubelet's folder (a file may hold it already: re-entrant). */
  private releaseExclusive?: () => Promise<void>;
  /** How long each step of start() took, in ms (the tests print them). */
  readonly startTimings: Record<string, number> = {};

  constructor(opts: RealNodeOptions) {
    this.name = opts.name;
    this.cluster = opts.cluster;
  }

  get containerdSocket(): string {
    return path.join(this.dir, 'containerd.sock');
  }

  /** Starts containerd, imports the images, starts the kubelet; resolves when the Node is Ready. */
  async start(): Promise<void> {
    const tools = realNodeTools();
    // Waits while another jest worker runs a real node; takeLock then still refuses a node left by a dead run.
    this.releaseExclusive ??= await exclusiveLock(LOCKS.realKubelet);
    this.takeLock();
    let t = Date.now();
    const step = (name: string) => {
      this.startTimings[name] = Date.now() - t;
      t = Date.now();
    };
    await this.startContainerd(tools.containerd);
    step('containerd');
    for (const image of ['pause', 'busybox']) {
      await this.ctr(['images', 'import', path.join(tools.images, `${image}.tar`)]);
    }
    step('images');
    this.kubeletArgs = await this.writeKubeletFiles();
    this.startKubelet();
    const core = this.cluster.kc.makeApiClient(k8s.CoreV1Api);
    await waitFor(
      `node ${this.name} Ready (kubelet log: ${this.logPath('kubelet')})`,
      async () => {
        this.assertRunning();
        try {
          const node = await core.readNode({ name: this.name });
          return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
        } catch (err) {
          if ((err as { code?: number }).code === 404) return false;
          throw err;
        }
      },
      { timeoutMs: 90_000, explain: () => `kubelet log:\n${this.log('kubelet')}` },
    );
    step('kubelet');
  }

  /** Stops the kubelet and starts it again with the same root directory (as a node's kubelet restarts). */
  async restartKubelet(): Promise<void> {
    await stopProcess(this.kubelet);
    this.startKubelet();
  }

  /**
   * `ctr` against this node's containerd, in the CRI's namespace; a call that has not ended in 60 s
   * is killed and says so.
   */
  async ctr(args: string[]): Promise<string> {
    try {
      const { stdout } = await run(
        realNodeTools().ctr,
        ['--address', this.containerdSocket, '-n', 'k8s.io', ...args],
        { timeout: 60_000 },
      );
      return stdout;
    } catch (err) {
      if ((err as { killed?: boolean }).killed)
        throw new Error(
          `ctr ${args.join(' ')} did not end in 60 s: containerd (log ${this.logPath('containerd')}) is stuck or starved; its log ends:\n${this.log('containerd').slice(-2000)}`,
          { cause: err },
        );
      throw err;
    }
  }

  logPath(what: 'kubelet' | 'containerd'): string {
    return path.join(this.dir, `${what}.log`);
  }

  log(what: 'kubelet' | 'containerd'): string {
    try {
      return fs.readFileSync(this.logPath(what), 'utf8').slice(-4000);
    } catch (err) {
      return `(no ${what} log: ${(err as Error).message})`;
    }
  }

  async stop(): Promise<void> {
    const release = this.releaseExclusive;
    this.releaseExclusive = undefined;
    await tearDown(`real node ${this.name}`, [
      [
        'the kubelet',
        async () => {
          await stopProcess(this.kubelet);
          this.kubelet = undefined;
        },
      ],
      [
        'the containers',
        () => (this.containerd && this.containerd.exitCode === null ? this.removeContainers() : undefined),
      ],
      [
        'containerd',
        async () => {
          await stopProcess(this.containerd);
          this.containerd = undefined;
        },
      ],
      // A shim whose task could not be deleted outlives containerd (as shims do): it and what it runs go.
      ['what containerd left running', () => killProcessesNaming(this.dir)],
      ['the mounts', () => unmountUnder(this.dir)],
      // The pod cgroups and the device plugin folder are the machine's: only the lock's holder cleans them.
      ['the pod cgroups', () => (this.lockTaken ? removePodCgroups() : undefined)],
      ['the kubelet files', () => this.lockTaken && this.removeKubeletFiles()],
      ['the node folder', () => fs.rmSync(this.dir, { recursive: true, force: true })],
      // Last, and whatever failed before: another file waits for it.
      ['the real-kubelet lock', () => release?.()],
    ]);
  }

  private removeKubeletFiles(): void {
    for (const f of KUBELET_FILES) fs.rmSync(path.join(DEVICE_PLUGIN_DIR, f), { force: true });
    fs.rmSync(LOCK, { force: true });
    this.lockTaken = false;
  }

  private takeLock(): void {
    fs.mkdirSync(DEVICE_PLUGIN_DIR, { recursive: true });
    try {
      fs.writeFileSync(LOCK, `${process.pid}\n`, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(LOCK, 'utf8').trim());
      if (pidAlive(holder)) {
        throw new Error(
          `process ${holder} runs a real node already (${LOCK}): the kubelet's device plugin folder is shared, so one real node runs at a time; wait for it to end`,
          { cause: err },
        );
      }
      // Its holder is gone (killed mid-test). What it started may still run: name it rather than
      // run a second kubelet on the same device plugin folder.
      const left = processesNaming(path.join(os.tmpdir(), 'xpu-node-'));
      if (left.length) {
        throw new Error(
          `process ${holder}, gone, left a real node running (${left.join('; ')}): stop those processes (kill <pid>), then remove ${LOCK}`,
          { cause: err },
        );
      }
      fs.writeFileSync(LOCK, `${process.pid}\n`);
    }
    this.lockTaken = true;
  }

  private async startContainerd(bin: string): Promise<void> {
    const cniConfDir = path.join(this.dir, 'cni', 'net.d');
    const cniBinDir = path.join(this.dir, 'cni', 'bin');
    fs.mkdirSync(cniConfDir, { recursive: true });
    fs.mkdirSync(cniBinDir, { recursive: true });
    fs.writeFileSync(
      path.join(cniConfDir, '10-loopback.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'xpuflow-loopback', plugins: [{ type: 'loopback' }] }),
    );
    const config = path.join(this.dir, 'containerd.toml');
    fs.writeFileSync(
      config,
      [
        'version = 2',
        `root = "${path.join(this.dir, 'containerd', 'root')}"`,
        `state = "${path.join(this.dir, 'containerd', 'state')}"`,
        // The host's own containerd, if any, keeps /opt/containerd and its plugins.
        'disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]',
        '[grpc]',
        `  address = "${this.containerdSocket}"`,
        '[plugins."io.containerd.grpc.v1.cri"]',
        `  sandbox_image = "${PAUSE_IMAGE}"`,
        '  restrict_oom_score_adj = true',
        '  [plugins."io.containerd.grpc.v1.cri".cni]',
        `    bin_dir = "${cniBinDir}"`,
        `    conf_dir = "${cniConfDir}"`,
        '  [plugins."io.containerd.grpc.v1.cri".containerd]',
        '    snapshotter = "overlayfs"',
        '    default_runtime_name = "runc"',
        '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
        '    runtime_type = "io.containerd.runc.v2"',
        '',
      ].join('\n'),
    );
    this.containerd = this.spawn('containerd', bin, ['--config', config]);
    await waitFor(
      `containerd listening on ${this.containerdSocket}`,
      async () => {
        this.assertRunning();
        if (!fs.existsSync(this.containerdSocket)) return false;
        try {
          await this.ctr(['version']);
          return true;
        } catch {
          return false; // not serving yet
        }
      },
      { timeoutMs: 30_000, everyMs: 200, explain: () => `containerd log:\n${this.log('containerd')}` },
    );
  }

  /** The node's client certificate, kubeconfig and kubelet configuration; the kubelet's arguments. */
  private async writeKubeletFiles(): Promise<string[]> {
    const pki = path.join(this.dir, 'pki');
    fs.mkdirSync(pki, { recursive: true });
    const key = path.join(pki, 'node.key');
    const csr = path.join(pki, 'node.csr');
    const cert = path.join(pki, 'node.crt');
    // The Node authorizer knows a kubelet by user system:node:<name> in group system:nodes
    // (kubernetes/kubernetes v1.36.3, pkg/auth/nodeidentifier/default.go, NodeIdentity).
    await run(
      'openssl',
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        `/O=system:nodes/CN=system:node:${this.name}`,
      ]),
    );
    await run(
      'openssl',
      ['x509', '-req', '-in', csr, '-CA', this.cluster.clientCa.certPath].concat([
        '-CAkey',
        this.cluster.clientCa.keyPath,
        '-CAcreateserial',
        '-out',
        cert,
        '-days',
        '1',
      ]),
    );
    const caData = this.cluster.kc.getCurrentCluster()?.caData ?? '';
    const kubeconfig = path.join(this.dir, 'kubelet.kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: ${this.cluster.name}`,
        '  cluster:',
        `    server: ${this.cluster.url}`,
        `    certificate-authority-data: ${caData}`,
        'users:',
        `- name: system:node:${this.name}`,
        '  user:',
        `    client-certificate: ${cert}`,
        `    client-key: ${key}`,
        'contexts:',
        '- name: node',
        '  context:',
        `    cluster: ${this.cluster.name}`,
        `    user: system:node:${this.name}`,
        'current-context: node',
        '',
      ].join('\n'),
    );
    const config = path.join(this.dir, 'kubelet.yaml');
    fs.writeFileSync(
      config,
      [
        'apiVersion: kubelet.config.k8s.io/v1beta1',
        'kind: KubeletConfiguration',
        'failCgroupV1: false',
        'cgroupDriver: cgroupfs',
        'failSwapOn: false',
        `containerRuntimeEndpoint: unix://${this.containerdSocket}`,
        // Its API on loopback only, for the API server's CA-signed clients; the tests use none of it.
        'address: 127.0.0.1',
        `port: ${await freePort()}`,
        'readOnlyPort: 0',
        'healthzBindAddress: 127.0.0.1',
        `healthzPort: ${await freePort()}`,
        'authentication:',
        '  anonymous: {enabled: false}',
        '  webhook: {enabled: false}',
        `  x509: {clientCAFile: ${this.cluster.clientCa.certPath}}`,
        'authorization: {mode: AlwaysAllow}',
        // Status and pod changes reach the API server within a second or two, not the default 10 s.
        'nodeStatusUpdateFrequency: 1s',
        'nodeStatusReportFrequency: 1s',
        'syncFrequency: 2s',
        // A busy shared disk must not make the node evict the tests' pods or collect their images.
        'evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}',
        'imageGCHighThresholdPercent: 100',
        'imageGCLowThresholdPercent: 99',
        '',
      ].join('\n'),
    );
    return [
      `--config=${config}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${path.join(this.dir, 'kubelet')}`,
      // Its self-signed serving certificate: by default in /var/lib/kubelet/pki whatever the root directory.
      `--cert-dir=${path.join(this.dir, 'kubelet', 'pki')}`,
      `--hostname-override=${this.name}`,
      '--v=2',
    ];
  }

  private startKubelet(): void {
    this.kubelet = this.spawn('kubelet', realNodeTools().kubelet, this.kubeletArgs);
  }

  /** Kills and removes every container and sandbox the CRI made (the shims exit with their tasks). */
  private async removeContainers(): Promise<void> {
    const lines = (out: string) =>
      out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    for (const task of lines(await this.ctr(['tasks', 'ls', '-q']))) {
      await this.ctr(['tasks', 'delete', '--force', task]).catch((err: Error) => {
        if (/not found/.test(err.message)) return; // gone meanwhile
        // Its shim went while containerd deleted the task: what it ran is killed with the pod cgroups.
        if (/ttrpc: closed/.test(err.message)) return;
        throw err;
      });
    }
    for (const container of lines(await this.ctr(['containers', 'ls', '-q']))) {
      await this.ctr(['containers', 'delete', container]);
    }
  }

  private spawn(name: 'kubelet' | 'containerd', file: string, args: string[]): ChildProcess {
    const log = fs.openSync(this.logPath(name), 'a');
    const p = spawn(file, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    return p;
  }

  private assertRunning(): void {
    for (const [name, p] of [
      ['containerd', this.containerd],
      ['kubelet', this.kubelet],
    ] as const) {
      if (p && p.exitCode !== null) throw new Error(`${name} exited with ${p.exitCode}: ${this.log(name)}`);
    }
  }
}

async function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Processes whose command line names `text` ("<pid> <command line>"): with a node's folder, its kubelet,
 * containerd and shims; with the folders' common prefix, those of any real node.
 */
export function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH')
        continue; // exited meanwhile
      throw err;
    }
    if (cmd.includes(text)) found.push(`${pid} ${cmd.slice(0, 120)}`);
  }
  return found;
}

/** SIGKILLs each of `pids`; one gone meanwhile is fine. */
function sigkill(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** SIGKILLs every process whose command line names `text`, and waits up to 5 s for them to go. */
async function killProcessesNaming(text: string): Promise<void> {
  const pids = () => processesNaming(text).map((p) => Number(p.split(' ')[0]));
  for (let attempt = 0; ; attempt++) {
    const left = pids();
    if (left.length === 0) return;
    if (attempt >= 50)
      throw new Error(
        `processes naming ${text} still run 5 s after SIGKILL: ${processesNaming(text).join('; ')}`,
      );
    sigkill(left);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Unmounts, deepest first, whatever is still mounted under `dir` (overlay rootfs, secret tmpfs, shm). */
function unmountUnder(dir: string): void {
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) execFileSync('umount', ['-l', m], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The kubelet's pod cgroups (cgroupfs driver: kubepods under each v1 controller), removed deepest first. */
async function removePodCgroups(): Promise<void> {
  const root = '/sys/fs/cgroup';
  // cpu and cpuacct may be one hierarchy under two names: each real directory once (and the root
  // itself, where a cgroup v2 host keeps kubepods).
  const hierarchies = new Set([
    root,
    ...fs.readdirSync(root).map((c) => fs.realpathSync(path.join(root, c))),
  ]);
  for (const hierarchy of hierarchies) {
    const top = path.join(hierarchy, 'kubepods');
    if (!fs.existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string) => {
      dirs.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true }))
        if (e.isDirectory()) walk(path.join(d, e.name));
    };
    walk(top);
    for (const d of dirs.sort((a, b) => b.length - a.length)) await removeCgroup(d);
  }
}

/**
 * Removes an empty cgroup. One still holding processes (EBUSY: a container whose shim died before
 * containerd could delete its task, "ttrpc: closed") has them killed, and is tried again for up to 5 s.
 */
async function removeCgroup(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      const left = cgroupProcesses(dir);
      if (code !== 'EBUSY' || attempt >= 50)
        throw new Error(
          `cgroup ${dir} not removed (${code}); processes still in it: ${left.join(', ') || 'none'}: kill them, then rmdir it`,
          { cause: err },
        );
      sigkill(left);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function cgroupProcesses(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
