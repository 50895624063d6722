/**
 * The xpuflow-cni single executable needs no package tree: copied alone into
 * an empty folder and run from there (as from a node's CNI bin directory), it
 * answers VERSION, refuses a bad configuration with code 7, and reaches a
 * host agent over gRPC with the proto embedded in it. No root needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHostAgentServer, type HostAgentServer } from '../../node/hostagent/server';
import type { CniRequest__Output } from '../../proto/load-vf';
import { REPO_ROOT } from '../support/tools';
import { xpuflowCniExecutable } from '../support/cni-tools';
import { holdLock, LOCKS } from '../support/exclusive-lock';

// Changes this host's network namespaces, links or OVS: one such file at a time, whatever else jest runs beside it.
holdLock(LOCKS.hostNetwork);

jest.setTimeout(300_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-cni-exe-'));
const exe = path.join(dir, 'bin', 'xpuflow-cni');
const cwd = path.join(dir, 'empty');
let agent: HostAgentServer;
const seen: CniRequest__Output[] = [];

beforeAll(async () => {
  fs.mkdirSync(path.dirname(exe));
  fs.mkdirSync(cwd);
  fs.copyFileSync(xpuflowCniExecutable(), exe);
  fs.chmodSync(exe, 0o755);
  agent = await startHostAgentServer(path.join(dir, 'agent.sock'), async (req) => {
    seen.push(req);
    return { errorCode: 11, errorMsg: `agent saw ${req.command} of ${req.containerId}` };
  });
});
afterAll(async () => {
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(
  env: NodeJS.ProcessEnv,
  stdin: object,
  writeAfterMs = 0,
): Promise<{ code: number; out: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    // Only what a runtime passes: no NODE_PATH, no node on PATH needed.
    const child = spawn(exe, [], {
      cwd,
      env: { PATH: '/usr/bin:/bin', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, out: JSON.parse(out) as Record<string, unknown> }),
    );
    setTimeout(() => child.stdin.end(JSON.stringify(stdin)), writeAfterMs);
  });
}

const conf = {
  cniVersion: '1.0.0',
  name: 'vfnet',
  type: 'xpuflow-cni',
  resourceName: 'xpuflow.io/pool-a',
  deviceID: '0000:03:00.2',
  ipam: { type: 'static', addresses: [{ address: '10.1.0.5/24' }] },
};
const cniEnv = {
  CNI_CONTAINERID: 'ctr-1',
  CNI_NETNS: '/var/run/netns/none',
  CNI_IFNAME: 'net1',
  CNI_ARGS: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p',
  CNI_PATH: path.join(dir, 'bin'),
};

test('from an empty folder: VERSION, and a bad configuration refused with code 7', async () => {
  expect(await run({ CNI_COMMAND: 'VERSION' }, { cniVersion: '1.1.0' })).toEqual({
    code: 0,
    out: { cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0', '1.1.0'] },
  });
  const bad = await run({ ...cniEnv, CNI_COMMAND: 'ADD' }, { ...conf, mtu: 'big' });
  expect(bad).toMatchObject({ code: 1, out: { code: 7, msg: expect.stringContaining('mtu "big"') } });
  expect(seen).toEqual([]);
});

test('from an empty folder: the host agent is reached with the embedded proto', async () => {
  // DEL of a configuration whose IPAM type ADD refuses: only the host agent is asked.
  const del = await run(
    { ...cniEnv, CNI_COMMAND: 'DEL' },
    { ...conf, hostAgentSocket: agent.socketPath, ipam: { type: 'none' } },
  );
  expect(del).toMatchObject({ code: 1, out: { code: 11, msg: 'agent saw DEL of ctr-1' } });
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({
    command: 'DEL',
    containerId: 'ctr-1',
    ifname: 'net1',
    netns: '/var/run/netns/none',
  });
  expect(JSON.parse(seen[0].configJson)).toMatchObject({ resourceName: 'xpuflow.io/pool-a' });
});

test('scripts/build-cni.sh does nothing when its inputs are unchanged', () => {
  const built = xpuflowCniExecutable();
  const before = fs.statSync(built).mtimeMs;
  const again = spawnSync(path.join(REPO_ROOT, 'scripts', 'build-cni.sh'), { encoding: 'utf8' });
  expect({ status: again.status, stdout: again.stdout.trim(), stderr: again.stderr }).toEqual({
    status: 0,
    stdout: built,
    stderr: '',
  });
  expect(fs.statSync(built).mtimeMs).toBe(before);
});

test('a configuration written late on a non-blocking stdin (a socket pair, as Node gives a child) is read whole', async () => {
  // Node's spawn hands the child a socket pair; a synchronous read of it before
  // the parent has written fails with EAGAIN, which must not pass for an empty configuration.
  const bad = await run({ ...cniEnv, CNI_COMMAND: 'ADD' }, { ...conf, mtu: 'big' }, 300);
  expect(bad).toMatchObject({ code: 1, out: { code: 7, msg: expect.stringContaining('mtu "big"') } });
});
