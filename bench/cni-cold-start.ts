/**
 * Cold start of xpuflow-cni per CNI call: every ADD is a fresh process, as
 * a container runtime runs it. Two entries side by side, over the same VF
 * attach stack (bench/vf-stack.ts: dev server, workers as processes, the host
 * agent, real veth "VFs" moved into real netns pods):
 *   executable  dist/xpuflow-cni, the single executable application (scripts/build-cni.sh)
 *   node-dist   `node dist/node/cni/main.js`, the entry before it (needs the package tree)
 * For each it prints p50/p99 of
 *   VERSION  exec to exit, nothing contacted: the process start alone;
 *   ADD      exec to exit of a full ADD: the static IPAM plugin, the host agent, the
 *            VF lease's attach (kubelet Allocate before it, DEL after it, untimed).
 * The IPAM plugin comes from scripts/go-tools.sh (the CNI reference plugins).
 *
 *   node dist/bench/cni-cold-start.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * Needs root and OVS. It prints figures and never fails for being slow.
 */
import path from 'node:path';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import { percentile } from './measure';
import { cniEnv, execPlugin as execArgv, scriptPath } from './cni-exec';
import { startVfStack, vfStackUnavailable, type VfStack } from './vf-stack';

const REPO = path.resolve(__dirname, '..', '..');

const COMMAND = {
  name: 'cni-cold-start',
  about: [
    'cold start of xpuflow-cni per CNI call, each a fresh process as a runtime runs it, for the',
    'single executable (dist/xpuflow-cni) and `node dist/node/cni/main.js`: p50/p99 of VERSION',
    '(process start alone) and of a full ADD. Needs root and OVS.',
  ],
  flags: {
    adds: countFlag(50, 'ADD execs per entry'),
    versions: countFlag(100, 'VERSION execs per entry'),
  },
};

interface Entry {
  name: string;
  argv: string[];
}

async function measure(stack: VfStack, entry: Entry, cniPath: string, adds: number, versions: number) {
  const vf = stack.vfs[0];
  const conf = JSON.stringify({
    cniVersion: '1.0.0',
    name: `cold-${stack.node}`,
    type: 'xpuflow-cni',
    resourceName: stack.resourceName,
    deviceID: vf,
    hostAgentSocket: stack.socket,
    ipam: { type: 'static', addresses: [{ address: '10.98.0.2/24' }, { address: 'fd00:98::2/64' }] },
  });
  const env = (command: string, n: number) =>
    cniEnv({
      command,
      containerId: `cold-${entry.name}-${n}`,
      netns: `/var/run/netns/${stack.pods[0]}`,
      ifname: 'net1',
      pod: { namespace: 'bench', name: `cold-${n}` },
      cniPath,
    });
  const execPlugin = (e: Entry, environment: NodeJS.ProcessEnv, stdin: string) =>
    execArgv(e.argv, environment, stdin);
  const version: number[] = [];
  for (let n = 0; n < versions; n++) {
    const r = await execPlugin(entry, env('VERSION', n), conf);
    if (r.code !== 0) throw new Error(`${entry.name} VERSION failed: ${r.out}`);
    version.push(r.ms);
  }
  const add: number[] = [];
  for (let n = 0; n < adds; n++) {
    await stack.kubelet.allocate(stack.resourceName, [[vf]]);
    const r = await execPlugin(entry, env('ADD', n), conf);
    if (r.code !== 0) throw new Error(`${entry.name} ADD ${n} failed: ${r.out}`);
    add.push(r.ms);
    const del = await execPlugin(entry, env('DEL', n), conf);
    if (del.code !== 0) throw new Error(`${entry.name} DEL ${n} failed: ${del.out}`);
  }
  return { version: version.sort((a, b) => a - b), add: add.sort((a, b) => a - b) };
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const why = vfStackUnavailable();
  if (why) {
    console.log(`cni-cold-start benchmark skipped: ${why}`);
    return;
  }
  const { adds, versions } = flags;
  const entries: Entry[] = [
    { name: 'executable', argv: [scriptPath('build-cni.sh')] },
    { name: 'node-dist', argv: [process.execPath, path.join(REPO, 'dist', 'node', 'cni', 'main.js')] },
  ];
  const cniPath = scriptPath('go-tools.sh');
  const stack = await startVfStack(1, 'cnicold');
  try {
    const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;
    console.log(`xpuflow-cni cold start: ${versions} VERSION and ${adds} ADD execs per entry, one at a time`);
    const results = [];
    for (const entry of entries)
      results.push({ entry, ...(await measure(stack, entry, cniPath, adds, versions)) });
    for (const { entry, version, add } of results) {
      console.log(
        `${entry.name.padEnd(11)} VERSION p50 ${fmt(percentile(version, 50))} p99 ${fmt(percentile(version, 99))}` +
          `   ADD p50 ${fmt(percentile(add, 50))} p99 ${fmt(percentile(add, 99))}`,
      );
    }
    const [exe, base] = results;
    console.log(
      `executable − node-dist: VERSION p50 ${fmt(percentile(exe.version, 50) - percentile(base.version, 50))}` +
        `   ADD p50 ${fmt(percentile(exe.add, 50) - percentile(base.add, 50))}`,
    );
  } finally {
    await stack.stop();
  }
}

runBench(COMMAND, main);
