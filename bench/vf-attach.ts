/**
 * What a pod waits for to get a VF, measured as a node runs it: from the
 * kubelet's Allocate to the end of a CNI ADD, the ADD run through the shipped
 * `dist/xpuflow-cni` executable (scripts/build-cni.sh) the way a container
 * runtime runs a plugin (fork/exec, the network configuration on stdin, the
 * CNI_* environment), with IPAM delegated to the reference host-local plugin
 * (scripts/go-tools.sh). Detach is the CNI DEL, exec to exit. Over the VF
 * stack of bench/vf-stack.ts: a private dev server, the workers as processes,
 * real veth "VFs" moved into real netns pods, a private OVS behind the OPI
 * simulator, a kubelet peer.
 *
 * Two paths, side by side in the same run, through the same executable and
 * IPAM plugin:
 *   workflow  the host worker's device plugin and host agent: a VF lease workflow per VF
 *   direct    bench/direct-node-process.ts, a process doing the same work (Allocate's
 *             checks and the OPI CreateBridgePort it starts, ADD's checks, the netns
 *             move, DEL's move back and DeleteBridgePort) with no Temporal
 * For each in-flight count it prints p50/p99 of attach and detach for both
 * and the ratios workflow / direct. Needs root and OVS.
 *
 *   node dist/bench/vf-attach.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * Goal (issue 16): ratio p50 ≤ 1.3, p99 ≤ 1.5. It never fails for being slow.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { vfLeaseWorkflowId } from '../model/workflow-ids';
import { resourceNameOf } from '../node/deviceplugin/pool';
import { countFlag, countListFlag, type FlagValues, switchFlag } from './command-line';
import { runBench } from './run-bench';
import { percentile } from './measure';
import { cniEnv, execPlugin, scriptPath } from './cni-exec';
import { spawnBenchChild } from './child-process';
import type { DirectNodeOptions } from './direct-node-process';
import { startVfStack, vfStackUnavailable, type VfStack } from './vf-stack';

/** One node-side path to a VF: the resource the kubelet allocates and the host agent xpuflow-cni calls. */
interface AttachPath {
  name: string;
  resourceName: string;
  socket: string;
  ipamDir: string;
}

interface Samples {
  attach: number[];
  detach: number[];
}

/** Runs `total` jobs over `n` lanes (lane i always uses VF/pod i); returns the sorted samples. */
const COMMAND = {
  name: 'vf-attach',
  about: [
    'what a pod waits for to get a VF: kubelet Allocate to the end of a CNI ADD run through',
    'dist/xpuflow-cni, and the CNI DEL, by the VF lease workflow and by a direct path doing the',
    'same work without Temporal. Prints p50/p99 per in-flight count and workflow / direct',
    '(goal 1.3 / 1.5). Needs root and OVS.',
  ],
  flags: {
    attaches: countFlag(100, 'attaches (and detaches) per path and in-flight count'),
    'in-flight': countListFlag([1, 8], 'attaches in flight at once, one run per count'),
    history: switchFlag("print one lease's events with their times: where an attach's time goes"),
  },
};

async function lanes(
  total: number,
  n: number,
  job: (lane: number) => Promise<{ attach: number; detach: number }>,
): Promise<Samples> {
  const out: Samples = { attach: [], detach: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, lane) => {
      while (next < total) {
        next++;
        const r = await job(lane);
        out.attach.push(r.attach);
        out.detach.push(r.detach);
      }
    }),
  );
  out.attach.sort((a, b) => a - b);
  out.detach.sort((a, b) => a - b);
  return out;
}

function attacher(stack: VfStack, cni: string, cniPath: string, via: AttachPath) {
  let n = 0;
  return async (lane: number) => {
    const vf = stack.vfs[lane];
    const id = `${via.name}-${lane}-${n++}`;
    const conf = JSON.stringify({
      cniVersion: '1.0.0',
      name: `bench-${via.name}`,
      type: 'xpuflow-cni',
      resourceName: via.resourceName,
      deviceID: vf,
      hostAgentSocket: via.socket,
      ipam: { type: 'host-local', ranges: [[{ subnet: `10.99.${lane}.0/24` }]], dataDir: via.ipamDir },
    });
    const env = (command: string) =>
      cniEnv({
        command,
        containerId: id,
        netns: `/var/run/netns/${stack.pods[lane]}`,
        ifname: 'net1',
        pod: { namespace: 'bench', name: id },
        cniPath,
      });
    const t0 = performance.now();
    await stack.kubelet.allocate(via.resourceName, [[vf]]);
    const add = await execPlugin([cni], env('ADD'), conf);
    const attach = performance.now() - t0;
    if (add.code !== 0) throw new Error(`${via.name}: CNI ADD of VF ${vf} (${id}) failed: ${add.out}`);
    const del = await execPlugin([cni], env('DEL'), conf);
    if (del.code !== 0) throw new Error(`${via.name}: CNI DEL of VF ${vf} (${id}) failed: ${del.out}`);
    return { attach, detach: del.ms };
  };
}

async function printHistory(stack: VfStack): Promise<void> {
  // Where the time of one attach goes: the last lease's events, relative to its start.
  const history = await stack.client.workflow
    .getHandle(vfLeaseWorkflowId(stack.node, stack.vfs[0]))
    .fetchHistory();
  const events = history.events ?? [];
  const ms = (e: (typeof events)[number]) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const t0 = events.length ? ms(events[0]) : 0;
  for (const e of events) {
    const type = (temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(
      'EVENT_TYPE_',
      '',
    );
    console.log(`  +${(ms(e) - t0).toFixed(1).padStart(7)} ms  ${type}`);
  }
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const why = vfStackUnavailable();
  if (why) {
    console.log(`vf-attach benchmark skipped: ${why}`);
    return;
  }
  const { attaches } = flags;
  const inFlights = flags['in-flight'];
  const cni = scriptPath('build-cni.sh');
  const cniPath = scriptPath('go-tools.sh');
  const stack = await startVfStack(Math.max(...inFlights), 'vfbench');
  const { dir, node, dpu, sysfsRoot, opi, pool, devicePluginDir, kubelet } = stack;
  const directPool = { ...pool, name: `direct-${pool.name}` };
  const directOpts: DirectNodeOptions = {
    node,
    dpu,
    opiAddress: opi.address,
    sysfsRoot,
    stateDir: path.join(dir, 'direct-state'),
    kubeletDir: devicePluginDir,
    hostAgentSocket: path.join(dir, 'direct-agent.sock'),
    pool: directPool,
  };
  const direct = await spawnBenchChild('direct-node-process.js', directOpts);
  try {
    await kubelet.waitForPlugin(
      resourceNameOf(directPool),
      (p) => p.devices.length === stack.vfs.length,
      30_000,
    );
    const paths: AttachPath[] = [
      {
        name: 'workflow',
        resourceName: stack.resourceName,
        socket: stack.socket,
        ipamDir: path.join(dir, 'ipam-workflow'),
      },
      {
        name: 'direct',
        resourceName: resourceNameOf(directPool),
        socket: directOpts.hostAgentSocket,
        ipamDir: path.join(dir, 'ipam-direct'),
      },
    ];
    for (const p of paths) fs.mkdirSync(p.ipamDir, { recursive: true });
    const fmt = (ms: number) => `${ms.toFixed(1).padStart(6)} ms`;
    console.log(
      `VF attach: kubelet Allocate → dist/xpuflow-cni ADD exec'd (host-local IPAM) → exit; detach: CNI DEL exec'd`,
    );
    for (const n of inFlights) {
      const results = new Map<string, Samples>();
      for (const p of paths) {
        const job = attacher(stack, cni, cniPath, p);
        await lanes(n, n, job); // warm-up: one per lane, not counted
        console.log(`${attaches} attaches, ${n} in flight, ${p.name}…`);
        results.set(p.name, await lanes(attaches, n, job));
      }
      const w = results.get('workflow')!;
      const d = results.get('direct')!;
      for (const what of ['attach', 'detach'] as const) {
        const [wp50, wp99, dp50, dp99] = [
          percentile(w[what], 50),
          percentile(w[what], 99),
          percentile(d[what], 50),
          percentile(d[what], 99),
        ];
        console.log(`  ${what} workflow p50 ${fmt(wp50)}  p99 ${fmt(wp99)}`);
        console.log(`  ${what} direct   p50 ${fmt(dp50)}  p99 ${fmt(dp99)}`);
        console.log(
          `  ${what} workflow / direct  p50 ${(wp50 / dp50).toFixed(2)}  p99 ${(wp99 / dp99).toFixed(2)}` +
            (what === 'attach' ? '  (goal ≤ 1.3 / 1.5)' : ''),
        );
      }
    }
    if (flags.history) await printHistory(stack);
  } finally {
    await direct.stop();
    await stack.stop();
  }
}

runBench(COMMAND, main);
