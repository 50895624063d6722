/**
 * Attach latency: from the kubelet's Allocate to a finished CNI ADD, over a
 * private dev server, with real veth "VFs", real netns pods, a private OVS
 * behind the OPI simulator, and the workers as processes; then the same
 * steps called directly (OPI bridge port + netns move, no workflow) in the
 * same run. Prints p50/p99 of both and their ratio. Needs root and OVS.
 *
 *   node dist/bench/vf-attach.js [--attaches 500] [--in-flight 8] [--history]
 * (--history prints one lease's events with their times: where an attach's time goes)
 *
 * Goal: p99 ≤ 250 ms and ratio ≤ 3. It never fails for being slow.
 */
import path from 'node:path';
import { createNetdevActivities } from '../activities/netdev';
import { createOpiActivities } from '../activities/opi';
import { callHostAgent } from '../node/cni/client';
import { leaseMac } from '../model/vf';
import { vfLeaseWorkflowId } from '../model/workflow-ids';
import { numberFlag } from './command-line';
import { percentile } from './measure';
import { startVfStack, vfStackUnavailable } from './vf-stack';

/** Runs `total` jobs over `lanes` lanes (lane i always uses VF/pod i). */
async function lanes(total: number, n: number, job: (lane: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, lane) => {
      while (next < total) {
        next++;
        out.push(await job(lane));
      }
    }),
  );
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const why = vfStackUnavailable();
  if (why) {
    console.log(`vf-attach benchmark skipped: ${why}`);
    return;
  }
  const attaches = numberFlag('attaches', 500);
  const inFlight = numberFlag('in-flight', 8);
  const stack = await startVfStack(inFlight, 'vfbench');
  const { dir, client, node, dpu, sysfsRoot, vfs, pods, socket, resourceName, kubelet, opi } = stack;
  const tag = node.slice('bench-'.length);
  try {
    const conf = (vf: string) =>
      JSON.stringify({
        cniVersion: '1.0.0',
        name: `bench-${tag}`,
        type: 'xpuflow-cni',
        resourceName,
        deviceID: vf,
        ipam: { type: 'static', addresses: [{ address: `10.99.${vfs.indexOf(vf)}.2/24` }] },
      });
    const cni = async (command: string, lane: number, n: number) => {
      const reply = await callHostAgent(socket, {
        command,
        containerId: `ctr-${lane}-${n}`,
        netns: `/var/run/netns/${pods[lane]}`,
        ifname: 'net1',
        args: `K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-${lane}-${n}`,
        configJson: conf(vfs[lane]),
        // What xpuflow-cni passes on from the static IPAM plugin's ADD (this bench calls the agent directly).
        ipamResultJson: command === 'ADD' ? JSON.stringify({ ips: [{ address: `10.99.${lane}.2/24` }] }) : '',
      });
      if (reply.errorCode) throw new Error(`CNI ${command} on lane ${lane}: ${reply.errorMsg}`);
    };

    // Through the lease workflow: Allocate → CNI ADD timed; DEL (released) untimed.
    const counters = new Array<number>(inFlight).fill(0);
    console.log(`${attaches} attaches, ${inFlight} in flight, through the VF lease workflow…`);
    const viaWorkflow = await lanes(attaches, inFlight, async (lane) => {
      const n = counters[lane]++;
      const t0 = performance.now();
      await kubelet.allocate(resourceName, [[vfs[lane]]]);
      await cni('ADD', lane, n);
      const ms = performance.now() - t0;
      await cni('DEL', lane, n);
      return ms;
    });

    if (process.argv.includes('--history')) {
      // Where the time of one attach goes: the last lease's events, relative to its start.
      const history = await client.workflow.getHandle(vfLeaseWorkflowId(node, vfs[0])).fetchHistory();
      const events = history.events ?? [];
      const ms = (e: (typeof events)[number]) =>
        Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
      const t0 = events.length ? ms(events[0]) : 0;
      for (const e of events) {
        const type = String(e.eventType).replace('EVENT_TYPE_', '');
        console.log(`  +${(ms(e) - t0).toFixed(1).padStart(7)} ms  ${type}`);
      }
    }

    // Direct: the same OPI and netns steps, called in this process, no workflow.
    const opiActs = createOpiActivities({ dpu, opiAddress: opi.address });
    const netdev = createNetdevActivities({ node, sysfsRoot, stateDir: path.join(dir, 'direct-attach') });
    console.log(`${attaches} attaches, ${inFlight} in flight, direct calls…`);
    const direct = await lanes(attaches, inFlight, async (lane) => {
      const vf = vfs[lane];
      const id = `direct-${lane}`;
      const t0 = performance.now();
      // As the lease does: the xPU side and the netns move at once.
      await Promise.all([
        opiActs.opiEnsureBridgePort({ id, mac: leaseMac(node, vf), vlan: 42 }),
        netdev.attachVfNetdev({
          pciAddress: vf,
          mac: leaseMac(node, vf),
          pod: { namespace: 'bench', name: `direct-${lane}` },
          containerId: `direct-${lane}`,
          netns: `/var/run/netns/${pods[lane]}`,
          ifname: 'net1',
          addresses: [{ address: `10.99.${lane}.2/24` }],
          routes: [],
        }),
      ]);
      const ms = performance.now() - t0;
      await netdev.detachVfNetdev({ pciAddress: vf });
      await opiActs.opiDeleteBridgePort({ id });
      return ms;
    });

    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    const [wp50, wp99, dp50, dp99] = [
      percentile(viaWorkflow, 50),
      percentile(viaWorkflow, 99),
      percentile(direct, 50),
      percentile(direct, 99),
    ];
    console.log(`via lease workflow: p50 ${fmt(wp50)}  p99 ${fmt(wp99)}  (goal p99 ≤ 250 ms)`);
    console.log(`direct calls:       p50 ${fmt(dp50)}  p99 ${fmt(dp99)}`);
    console.log(
      `ratio workflow/direct: p50 ${(wp50 / dp50).toFixed(2)}  p99 ${(wp99 / dp99).toFixed(2)}  (goal ≤ 3)`,
    );
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(`vf-attach benchmark: ${(err as Error).message}`);
  process.exit(1);
});
