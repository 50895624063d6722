/**
 * Real Kubernetes API servers for the controller tests and benchmark, envtest style: one
 * etcd and one kube-apiserver per cluster on loopback (the host cluster and,
 * when asked, a second one playing the DPU cluster, sharing the etcd under
 * its own key prefix). Binaries come from scripts/kube-assets.sh.
 *
 * No kubelet, scheduler or controller-manager runs unless a test starts one
 * (controller-manager.ts, scheduler.ts, test/support/real-node.ts); otherwise
 * tests play them by writing pod, node and PodDisruptionBudget status
 * themselves (see kubelets.ts).
 */

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { freePort, listensOn } from '../free-port';
import { auditLogFlags } from './audit-log';

/** The repository root, from the sources (sim/kube) or the build (dist/sim/kube). */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'scripts', 'kube-assets.sh'))) return dir;
  }
  throw new Error(`scripts/kube-assets.sh not found above ${__dirname}`);
}

let assetsDir: string | undefined;
/** The directory with kube-apiserver, etcd and helm (built once, then cached). */
export function kubeAssets(): string {
  assetsDir ??= execFileSync('bash', [path.join(repoRoot(), 'scripts/kube-assets.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return assetsDir;
}

export interface KubeCluster {
  name: string;
  url: string;
  /** A kubeconfig file with cluster-admin rights (system:masters). */
  kubeconfigPath: string;
  kubeconfigYaml: string;
  kc: k8s.KubeConfig;
  /** The cluster CA that client certificates are checked against and signed by (kubeadm's ca.crt / ca.key). */
  clientCa: { certPath: string; keyPath: string };
}

export class KubeApiservers {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-kube-'));
  private procs: ChildProcess[] = [];
  private etcdUrl = '';
  private etcd?: ChildProcess;
  readonly clusters: KubeCluster[] = [];

  /** Starts etcd and one apiserver per name, e.g. ['host', 'dpu']. */
  async start(names: string[] = ['host']): Promise<KubeCluster[]> {
    const bin = kubeAssets();
    await this.retryPortTaken('etcd', () => this.startEtcd(bin));
    const started = await Promise.all(
      names.map((n) => this.retryPortTaken(`kube-apiserver ${n}`, () => this.startApiserver(n, bin))),
    );
    this.clusters.push(...started);
    return started;
  }

  /**
   * More clusters on the etcd start() runs, each its own kube-apiserver under
   * its own `--etcd-prefix` (/registry-<name>): a guest cluster beside the host.
   */
  async add(names: string[]): Promise<KubeCluster[]> {
    if (!this.etcdUrl) throw new Error(`start() first: no etcd for clusters ${names.join(', ')}`);
    const bin = kubeAssets();
    const started = await Promise.all(
      names.map((n) => this.retryPortTaken(`kube-apiserver ${n}`, () => this.startApiserver(n, bin))),
    );
    this.clusters.push(...started);
    return started;
  }

  /**
   * Ports are picked free, then bound by another process: another jest worker's server
   * or a client's ephemeral port may take one in between. The server then exits with
   * "address already in use", and is started again on new ports (3 tries).
   */
  private async retryPortTaken<T>(what: string, start: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await start();
      } catch (err) {
        if (!(err instanceof PortTaken)) throw err;
        if (attempt >= 3)
          throw new Error(
            `${what}: its port was taken at each of 3 starts; is a run of many servers on this host?`,
            {
              cause: err,
            },
          );
      }
    }
  }

  private async startEtcd(bin: string): Promise<void> {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const url = `http://127.0.0.1:${clientPort}`;
    // A try that lost its port may have written its membership (peer URL) there: start afresh.
    fs.rmSync(path.join(this.dir, 'etcd'), { recursive: true, force: true });
    const p = this.spawn('etcd', path.join(bin, 'etcd'), [
      '--data-dir',
      path.join(this.dir, 'etcd'),
      '--listen-client-urls',
      url,
      '--advertise-client-urls',
      url,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ]);
    // Not another file's etcd on a port taken from under this one: the apiservers would share its keys.
    const deadline = Date.now() + 60_000;
    while (!listensOn(p.pid!, clientPort)) {
      this.assertRunning([p]);
      if (Date.now() > deadline)
        throw new Error(`etcd did not listen on ${url} in 60 s: ${this.log('etcd')}`);
      await sleep(100);
    }
    this.etcdUrl = url;
    this.etcd = p;
  }

  cluster(name: string): KubeCluster {
    const c = this.clusters.find((x) => x.name === name);
    if (!c)
      throw new Error(`no cluster named ${name}; started: ${this.clusters.map((x) => x.name).join(', ')}`);
    return c;
  }

  private async startApiserver(name: string, bin: string): Promise<KubeCluster> {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(path.join(dir, 'certs'), { recursive: true });
    // EC P-256: the API server signs service-account tokens with it as ES256
    // (kubernetes/kubernetes v1.36.3, pkg/serviceaccount/jwt.go signerFromECDSAPrivateKey);
    // an RSA 2048 key cost the test process about half a CPU-second per API server to generate.
    const { publicKey, privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey);
    fs.writeFileSync(path.join(dir, 'sa.key'), privateKey);
    const token = `admin-${name}-${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
    const clientCa = makeClientCa(dir);
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const proc = this.spawn(`kube-apiserver-${name}`, path.join(bin, 'kube-apiserver'), [
      `--etcd-servers=${this.etcdUrl}`,
      `--etcd-prefix=/registry-${name}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      // As kubeadm runs it, so a DPU joins as on a real cluster: bootstrap tokens,
      // the Node authorizer and NodeRestriction, client certificates from the
      // cluster CA (kubernetes/kubernetes v1.36.3,
      // cmd/kubeadm/app/phases/controlplane/manifests.go getAPIServerCommand).
      '--enable-bootstrap-token-auth=true',
      `--client-ca-file=${clientCa.certPath}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      `--service-account-issuer=https://kubernetes.default.svc`,
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      // No controller-manager creates the default ServiceAccount of a namespace.
      '--disable-admission-plugins=ServiceAccount',
      '--v=0',
      ...auditLogFlags(name, dir),
    ]);
    const mine = [this.etcd!, proc];
    const ca = path.join(dir, 'certs', 'apiserver.crt');
    const deadline = Date.now() + 90_000;
    // The file appears before it is whole (the serving certificate, then the CA
    // it made): a CA read half-way trusts nothing, and every request fails with
    // "self-signed certificate in certificate chain". Read it once it has
    // stopped changing and ends with a whole certificate.
    let caPem: string;
    for (let last = ''; ; last = caPem) {
      this.assertRunning(mine);
      caPem = fs.existsSync(ca) ? fs.readFileSync(ca, 'utf8') : '';
      if (caPem && caPem === last && caPem.trimEnd().endsWith('-----END CERTIFICATE-----')) break;
      if (Date.now() > deadline)
        throw new Error(
          `kube-apiserver ${name} wrote no whole certificate in 90 s: ${this.log(`kube-apiserver-${name}`)}`,
        );
      await sleep(200);
    }
    const kubeconfigYaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${name}`,
      '  cluster:',
      `    server: ${url}`,
      `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      `- name: ${name}`,
      '  context:',
      `    cluster: ${name}`,
      '    user: admin',
      `current-context: ${name}`,
      '',
    ].join('\n');
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, kubeconfigYaml);
    const kc = new k8s.KubeConfig();
    kc.loadFromString(kubeconfigYaml);
    // Its own port, not another process's that took it first (that process would answer here).
    while (!listensOn(proc.pid!, port)) {
      this.assertRunning(mine);
      if (Date.now() > deadline)
        throw new Error(
          `kube-apiserver ${name} did not listen on ${url} in 90 s: ${this.log(`kube-apiserver-${name}`)}`,
        );
      await sleep(100);
    }
    await this.waitReady(name, kc, deadline, mine);
    return { name, url, kubeconfigPath, kubeconfigYaml, kc, clientCa };
  }

  private async waitReady(
    name: string,
    kc: k8s.KubeConfig,
    deadline: number,
    mine: ChildProcess[],
  ): Promise<void> {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    for (;;) {
      this.assertRunning(mine);
      try {
        await core.readNamespace({ name: 'default' });
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `kube-apiserver ${name} not ready in 90 s (${String(err)}): ${this.log(`kube-apiserver-${name}`)}`,
            { cause: err },
          );
        }
        await sleep(300);
      }
    }
  }

  /** The live etcd and kube-apiserver processes (a benchmark counts their CPU time). */
  pids(): number[] {
    return this.procs.filter((p) => p.exitCode === null && p.signalCode === null).map((p) => p.pid!);
  }

  private spawn(name: string, file: string, args: string[]): ChildProcess {
    const logPath = path.join(this.dir, `${name}.log`);
    const logStart = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
    const log = fs.openSync(logPath, 'a');
    const p = spawn(file, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log); // the process holds its own copy
    Object.assign(p, { xpuName: name, xpuLogStart: logStart });
    this.procs.push(p);
    return p;
  }

  /** Throws if one of `procs` exited: PortTaken (and forgets it, to be started again) if its port was taken. */
  private assertRunning(procs: ChildProcess[]): void {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) {
        const { xpuName: name, xpuLogStart: logStart } = p as ChildProcess & Named;
        const said = this.log(name, logStart);
        if (said.includes('address already in use')) {
          this.procs = this.procs.filter((x) => x !== p);
          throw new PortTaken(`${name}: ${said}`);
        }
        throw new Error(`${name} exited with ${p.exitCode ?? p.signalCode}: ${said}`);
      }
    }
  }

  /** The last 3000 characters a process wrote (since `from`, a byte offset in its log). */
  log(name: string, from = 0): string {
    try {
      return fs
        .readFileSync(path.join(this.dir, `${name}.log`))
        .subarray(from)
        .toString('utf8')
        .slice(-3000);
    } catch {
      return '(no log)';
    }
  }

  /**
   * Ends the servers and deletes their data. SIGKILL, all at once: nothing of them is kept, and
   * a graceful stop (each apiserver draining, then etcd) took about 3 s per file, one by one.
   */
  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGKILL');
        await Promise.race([exited, sleep(10_000)]);
      }),
    );
    this.procs = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Named {
  xpuName: string;
  xpuLogStart: number;
}

/** A server exited because another process had bound its port first. */
class PortTaken extends Error {}

/** A self-signed CA (EC P-256, one day) made with openssl, as `kubeadm init` makes ca.crt and ca.key. */
function makeClientCa(dir: string): { certPath: string; keyPath: string } {
  const certPath = path.join(dir, 'ca.crt');
  const keyPath = path.join(dir, 'ca.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
      .concat(['-keyout', keyPath, '-out', certPath, '-subj', '/CN=kubernetes', '-days', '1'])
      .concat([
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,digitalSignature',
      ]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certPath, keyPath };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
