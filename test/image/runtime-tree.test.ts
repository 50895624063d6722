/**
 * The image runs every entry point: the file tree of the Dockerfile's final
 * stage (its COPY lines, read from the Dockerfile; production dependencies
 * only; see runtime-tree.ts) is assembled in a temp folder, and each process
 * the chart runs starts from it through the image's ENTRYPOINT far enough to
 * prove it loads: its protos, the prebuilt workflow bundle, its config. A
 * Temporal dev server and a real kube-apiserver (scripts/kube-assets.sh) give
 * the workers and the controllers something to connect to.
 *
 * The operating system packages of the stage (apt-get: Open vSwitch,
 * iproute2) are not part of the tree; the DPU and host workers only run their
 * commands when a flow asks, which this test does not.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { DevServer } from '../support/dev-server';
import { assembleRuntimeTree, type RuntimeTree } from './runtime-tree';

const REPO = path.resolve(__dirname, '..', '..');

/** What an entry point must never print: a module or a proto left out of the image. */
const MISSING = /MODULE_NOT_FOUND|Cannot find module|ENOENT[^\n]*\.proto|\.proto not found/;

let tree: RuntimeTree;
const temporal = new DevServer();
const apis = new KubeApiservers();
let hostCluster: KubeCluster;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-image-run-'));
const running: ChildProcess[] = [];

beforeAll(async () => {
  tree = assembleRuntimeTree(REPO);
  console.log(
    `runtime tree in ${tree.fsRoot}: ${tree.copied.join(', ')}; not reproduced: ${tree.skipped.join(' | ')}`,
  );
  // The two servers boot side by side: each mostly waits on its own process.
  await Promise.all([
    temporal.start(),
    apis.start(['host']).then(async ([c]) => {
      hostCluster = c;
      await installCrds(c.kc);
    }),
  ]);
}, 900_000);

afterAll(async () => {
  await Promise.all(running.map((p) => stop(p)));
  await temporal.dispose();
  await apis.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
  if (tree) fs.rmSync(tree.fsRoot, { recursive: true, force: true });
}, 60_000);

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** The environment of the image (its ENV) plus `extra`; nothing of the test's own. */
function imageEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: scratch, ...tree.env, ...extra };
}

/**
 * Runs the image's ENTRYPOINT with `args` in its WORKDIR until its output
 * matches `ready`; fails with the output when it exits first, prints a
 * missing module or proto, or takes over `timeoutMs`.
 */
async function startUntil(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  const [cmd, ...entry] = tree.entrypoint;
  const p = spawn(cmd === 'node' ? process.execPath : cmd, [...entry, ...args], {
    cwd: tree.root,
    env: imageEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(p);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  try {
    for (;;) {
      if (MISSING.test(out)) throw new Error(`xpuflow ${args.join(' ')} misses a file of the image:\n${out}`);
      if (ready.test(out)) return out;
      if (p.exitCode !== null)
        throw new Error(`xpuflow ${args.join(' ')} exited ${p.exitCode} before ${ready}:\n${out}`);
      if (Date.now() - started > timeoutMs)
        throw new Error(`xpuflow ${args.join(' ')} printed no ${ready} in ${timeoutMs} ms:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await stop(p);
  }
}

test('the tree is the final stage: dist with its workflow bundle, the protos, production dependencies only', () => {
  expect(fs.existsSync(path.join(tree.root, 'dist/cli/main.js'))).toBe(true);
  expect(fs.existsSync(path.join(tree.root, 'dist/workflow-bundle.js'))).toBe(true);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const modules = path.join(tree.root, 'node_modules');
  for (const dep of Object.keys(pkg.dependencies))
    expect([dep, fs.existsSync(path.join(modules, dep))]).toEqual([dep, true]);
  // What the lock file marks dev-only (needed by no production dependency) is left out.
  const lock = JSON.parse(fs.readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const devOnly = Object.entries(lock.packages)
    .filter(([p, e]) => e.dev && p.startsWith('node_modules/'))
    .map(([p]) => p);
  expect(devOnly).toEqual(expect.arrayContaining(['node_modules/jest', 'node_modules/typescript']));
  expect(devOnly.filter((p) => fs.existsSync(path.join(tree.root, p)))).toEqual([]);
});

test('every .proto the loaders in proto/ name loads from the tree', () => {
  const names = new Set<string>();
  for (const f of fs.readdirSync(path.join(REPO, 'proto')).filter((x) => /^load.*\.ts$/.test(x))) {
    for (const m of fs
      .readFileSync(path.join(REPO, 'proto', f), 'utf8')
      .matchAll(/loadProtoPackage\('([^']+)'\)/g))
      names.add(m[1]);
  }
  // gNOI os and system, the device plugin API, OPI evpn-gw and the host agent at least.
  expect(names.size).toBeGreaterThanOrEqual(5);
  const script =
    `const { loadProtoPackage } = require(${JSON.stringify(path.join(tree.root, 'dist/proto/load.js'))});` +
    `for (const f of ${JSON.stringify([...names])}) loadProtoPackage(f);`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: tree.root,
    env: imageEnv({}),
    encoding: 'utf8',
  });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
});

test('the control worker starts on the prebuilt workflow bundle', async () => {
  const out = await startUntil(
    ['worker', 'control', '--bfb-cache', path.join(scratch, 'bfb-cache')],
    { TEMPORAL_ADDRESS: temporal.address },
    /control worker polling xpuflow-control/,
  );
  // Bundling at run time would log webpack's "Workflow bundle created".
  expect(out).not.toMatch(/Workflow bundle created/);
});

test('the host worker starts with its host agent and device plugin (device plugin and host agent protos)', async () => {
  const sysfs = path.join(scratch, 'sys');
  fs.mkdirSync(path.join(sysfs, 'bus/pci/devices'), { recursive: true });
  fs.mkdirSync(path.join(sysfs, 'class/net'), { recursive: true });
  const state = path.join(scratch, 'host-state');
  fs.mkdirSync(path.join(scratch, 'device-plugins'), { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  fs.writeFileSync(path.join(state, 'pods.json'), '[]');
  const vfConfig = path.join(scratch, 'vf.json');
  const socket = path.join(state, 'hostagent.sock');
  fs.writeFileSync(
    vfConfig,
    JSON.stringify({
      stateDir: state,
      hostAgentSocket: socket,
      devicePluginDir: path.join(scratch, 'device-plugins'),
      pools: [{ name: 'pool-a', dpu: 'dpu-1', vlan: 100, selector: { pfNames: ['enp3s0f0'] } }],
      pods: { file: path.join(state, 'pods.json') },
    }),
  );
  const [cmd, ...entry] = tree.entrypoint;
  // Held running while xpuflow-cni calls its host agent below.
  const host = spawn(
    cmd === 'node' ? process.execPath : cmd,
    [...entry, 'worker', 'host', '--node', 'node-1', '--sysfs-root', sysfs, '--vf-config', vfConfig],
    {
      cwd: tree.root,
      env: imageEnv({ TEMPORAL_ADDRESS: temporal.address }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(host);
  let out = '';
  host.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  host.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/host worker for node-1 polling xpuflow-host-node-1/.test(out)) {
    if (MISSING.test(out) || host.exitCode !== null || Date.now() > deadline)
      throw new Error(`host worker did not start from the image tree (exit ${host.exitCode}):\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(out).toMatch(new RegExp(`host agent for node-1 on ${socket}; pools pool-a`));

  // xpuflow-cni, the package's other bin, calls that host agent over the host agent proto.
  const pkg = JSON.parse(fs.readFileSync(path.join(tree.root, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const cni = path.join(tree.root, pkg.bin['xpuflow-cni']);
  const version = spawnSync(process.execPath, [cni], {
    cwd: tree.root,
    env: imageEnv({ CNI_COMMAND: 'VERSION' }),
    input: '{"cniVersion":"1.0.0"}',
    encoding: 'utf8',
  });
  expect(JSON.parse(version.stdout)).toMatchObject({ supportedVersions: expect.arrayContaining(['1.0.0']) });
  const add = spawnSync(process.execPath, [cni], {
    cwd: tree.root,
    env: imageEnv({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'image-test',
      // No such namespace: the call must get as far as an answer about it, nothing changes.
      CNI_NETNS: path.join(scratch, 'no-such-netns'),
      CNI_IFNAME: 'net1',
      CNI_PATH: path.join(scratch, 'cni-bin'),
      CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=image-test',
    }),
    input: JSON.stringify({
      cniVersion: '1.0.0',
      name: 'vfnet',
      type: 'xpuflow-cni',
      resourceName: 'xpuflow.io/pool-a',
      deviceID: '0000:03:00.2',
      hostAgentSocket: socket,
      ipam: { type: 'static', addresses: [{ address: '10.1.0.5/24' }] },
    }),
    encoding: 'utf8',
  });
  // A CNI error result (the netns is gone), never a file missing from the image.
  const reply = JSON.parse(add.stdout) as { code: number; msg: string };
  expect(add.status).toBe(1);
  expect(typeof reply.code).toBe('number');
  expect(reply.msg).not.toMatch(MISSING);
  await stop(host);
});

test('the DPU worker starts (OPI evpn-gw proto)', async () => {
  await startUntil(
    ['worker', 'dpu', '--dpu', 'dpu-1', '--opi', '127.0.0.1:50151', '--ovs-db', `unix:${scratch}/db.sock`],
    { TEMPORAL_ADDRESS: temporal.address },
    /DPU worker for dpu-1 polling xpuflow-dpu-dpu-1/,
  );
});

test('the controllers start against a kube-apiserver with the CRDs', async () => {
  // The release namespace exists where the chart installs the controller; its leader-election Lease lives there.
  await hostCluster.kc
    .makeApiClient(k8s.CoreV1Api)
    .createNamespace({ body: { metadata: { name: 'xpuflow-system' } } });
  await startUntil(
    ['controller', '--namespace', 'xpuflow-system'],
    { TEMPORAL_ADDRESS: temporal.address, XPUFLOW_KUBECONFIG: hostCluster.kubeconfigPath },
    /watching xpuflow objects in namespace xpuflow-system/,
  );
});

test('the codec server starts with a key file', async () => {
  const keys = path.join(scratch, 'codec-keys.json');
  fs.writeFileSync(
    keys,
    JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(32, 7).toString('base64') } }),
  );
  await startUntil(
    ['codec-server', '--keys', keys, '--port', '0'],
    {},
    /codec server on http:\/\/127\.0\.0\.1:\d+/,
  );
});

test('a worker without its settings says which, rather than failing to load', async () => {
  const r = spawnSync(process.execPath, [tree.entrypoint[1], 'worker', 'dpu'], {
    cwd: tree.root,
    env: imageEnv({}),
    encoding: 'utf8',
  });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/--opi <host:port>/);
  expect(r.stderr).not.toMatch(MISSING);
});
