/**
 * OVS reconcile cost of service chains at scale: the DPU worker's real OVS
 * activities (createOvsActivities → reconcileOvs / readOvsState) against a
 * private Open vSwitch (userspace datapath), for N service ports in chains
 * of 4 (one VF representor, a veth end, and three internal service ports
 * per chain: N ports and N flows). For each N it times:
 *
 *   first     everything missing (bridge, N ports, N flows)
 *   steady    nothing to change (the periodic pass)
 *   restore   1 port and 1 flow removed by hand, put back
 *   read      readOvsState alone
 *
 * and prints a table and one JSON line. Needs root, iproute2 and Open
 * vSwitch. Every veth and OVS it makes is removed at the end.
 *
 *   node dist/bench/service-chain.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It never fails for being slow.
 */
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOvsActivities } from '../activities/ovs';
import { planDpu, type PlanInput } from '../model/service-chain-planner';
import type { DesiredOvs } from '../model/ovs-state';
import { ovsUnavailable, startPrivateOvs, type PrivateOvs } from '../sim/ovs';
import { countFlag, countListFlag, type FlagValues, switchFlag } from './command-line';
import { runBench } from './run-bench';

const CHAIN = 4;

const COMMAND = {
  name: 'service-chain',
  about: [
    'OVS reconcile cost of service chains of 4 on a private Open vSwitch (root, iproute2, OVS):',
    'for each count of service ports, the first pass, a steady pass, a restore of what was',
    'removed by hand, and a read, in ms. Prints a table and one JSON line.',
  ],
  flags: {
    ports: countListFlag([8, 64, 256], 'the counts of service ports to measure, one run each'),
    'steady-runs': countFlag(5, 'steady passes and reads per count (their median is printed)'),
    verbose: switchFlag("print the restore pass's changes"),
  },
};

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await f();
  return [performance.now() - t0, r];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  ports: number;
  flows: number;
  chains: number;
  firstMs: number;
  firstChanges: number;
  steadyMs: number;
  steadyChanges: number;
  restoreMs: number;
  restoreChanges: number;
  readMs: number;
}

/** N service ports in chains of 4 on one bridge: per chain pf<pf>vf<c> (a representor) and three internal ports. */
function plan(tag: string, bridge: string, pf: number, chains: number): DesiredOvs {
  const interfaces: PlanInput['interfaces'] = [];
  const chainObjs: PlanInput['chains'] = [];
  for (let c = 0; c < chains; c++) {
    const names = [`vf${c}`];
    interfaces.push({ name: `vf${c}`, spec: { interfaceType: 'vf', vf: { pfId: pf, vfId: c }, bridge } });
    for (let s = 1; s < CHAIN; s++) {
      interfaces.push({
        name: `svc${c}-${s}`,
        spec: {
          interfaceType: 'service',
          service: { serviceId: `s${s}`, network: 'n', interfaceName: `x${tag}c${c}s${s}` },
          bridge,
        },
      });
      names.push(`svc${c}-${s}`);
    }
    chainObjs.push({
      name: `chain${c}`,
      spec: { switches: [{ ports: names.map((serviceInterface) => ({ serviceInterface })) }] },
    });
  }
  const p = planDpu({ namespace: 'bench', dpu: { name: 'dpu-bench' }, interfaces, chains: chainObjs });
  if (p.chainRefusals.length + p.interfaceRefusals.length > 0)
    throw new Error(`planner refused: ${JSON.stringify([...p.chainRefusals, ...p.interfaceRefusals])}`);
  return p.desired;
}

async function runOne(ports: number, steadyRuns: number, verbose: boolean): Promise<Row> {
  const tag = Math.random().toString(36).slice(2, 5);
  const chains = Math.ceil(ports / CHAIN);
  const bridge = `xb${tag}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-sfc-'));
  // A PF id whose representor names are free here.
  let pf = 20 + Math.floor(Math.random() * 70);
  while (fs.existsSync(`/sys/class/net/pf${pf}vf0`)) pf = 20 + Math.floor(Math.random() * 70);
  const reps = Array.from({ length: chains }, (_, c) => `pf${pf}vf${c}`);
  const made: string[] = [];
  let ovs: PrivateOvs | undefined;
  try {
    ovs = await startPrivateOvs(path.join(dir, 'ovs'));
    for (const [c, n] of reps.entries()) {
      await execa('ip', ['link', 'add', n, 'type', 'veth', 'peer', 'name', `xr${tag}${c}`]);
      made.push(n);
      await execa('ip', ['link', 'set', n, 'up']);
    }
    const acts = createOvsActivities({ dpu: 'dpu-bench', db: ovs.db, datapathType: 'netdev' });
    const desired = plan(tag, bridge, pf, chains);

    const [firstMs, first] = await timed(() => acts.reconcileOvs(desired));
    if (first.problems.length > 0) throw new Error(`first reconcile: ${first.problems.join('; ')}`);

    const steady: number[] = [];
    let steadyChanges = 0;
    for (let i = 0; i < steadyRuns; i++) {
      const [ms, r] = await timed(() => acts.reconcileOvs(desired));
      steady.push(ms);
      steadyChanges += r.changes.length;
    }

    const reads: number[] = [];
    for (let i = 0; i < steadyRuns; i++) reads.push((await timed(() => acts.readOvsState()))[0]);

    // Remove one service port (the middle of the last chain) and one flow (of the first chain).
    // OVS shows flows that name the removed port by number, so those (3) are rewritten too.
    const gone = `x${tag}c${chains - 1}s2`;
    const flow = desired.flows[0];
    const inPort = flow.match.replace(/^in_port=/, '');
    const ofport = first.state.ports.find((p) => p.name === inPort)?.ofport;
    const broken = first.state.ports.filter((p) => p.error || p.ofport === undefined || p.ofport < 0);
    if (broken.length > 0) console.error(`ports with errors: ${JSON.stringify(broken.slice(0, 3))}`);
    await ovs.vsctl(['del-port', bridge, gone]);
    await execa('ovs-ofctl', [
      '--strict',
      'del-flows',
      `unix:${ovs.dir}/${bridge}.mgmt`,
      `priority=${flow.priority},in_port=${ofport ?? inPort}`,
    ]);
    const [restoreMs, restored] = await timed(() => acts.reconcileOvs(desired));
    if (
      restored.state.ports.length !== desired.ports.length ||
      restored.state.flows.length !== desired.flows.length
    )
      throw new Error(
        `restore left ${restored.state.ports.length}/${desired.ports.length} ports, ${restored.state.flows.length}/${desired.flows.length} flows`,
      );
    if (verbose) console.log(`restore changes (N=${ports}):\n  ${restored.changes.join('\n  ')}`);

    return {
      ports: desired.ports.length,
      flows: desired.flows.length,
      chains,
      firstMs,
      firstChanges: first.changes.length,
      steadyMs: median(steady),
      steadyChanges,
      restoreMs,
      restoreChanges: restored.changes.length,
      readMs: median(reads),
    };
  } finally {
    // Cleanup (--if-exists covers a bridge already gone): a failure is said, and the private OVS stops next anyway.
    await ovs
      ?.vsctl(['--if-exists', 'del-br', bridge])
      .catch((err: unknown) =>
        console.warn(`cleanup: ovs-vsctl del-br ${bridge} failed: ${(err as Error).message}`),
      );
    await ovs?.stop();
    for (const n of made) await execa('ip', ['link', 'del', n], { reject: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const why = ovsUnavailable();
  if (why) {
    console.log(`service-chain bench skipped: ${why}`);
    return;
  }
  const sizes = flags.ports;
  const steadyRuns = flags['steady-runs'];
  const rows: Row[] = [];
  for (const n of sizes) {
    const r = await runOne(n, steadyRuns, flags.verbose);
    rows.push(r);
    console.error(`N=${r.ports} done`);
  }
  const f = (ms: number) => ms.toFixed(0).padStart(8);
  console.log(
    `service chains of ${CHAIN} on a private OVS (netdev datapath); ms, steady/read = median of ${steadyRuns}`,
  );
  console.log('  ports  flows   first (changes)  steady (changes)  restore (changes)    read  first/port');
  for (const r of rows)
    console.log(
      `${String(r.ports).padStart(7)}${String(r.flows).padStart(7)}${f(r.firstMs)} (${String(r.firstChanges).padStart(5)})  ${f(r.steadyMs)} (${String(r.steadyChanges).padStart(5)})   ${f(r.restoreMs)} (${String(r.restoreChanges).padStart(5)})${f(r.readMs)}${(r.firstMs / r.ports).toFixed(1).padStart(12)}`,
    );
  console.log(JSON.stringify({ bench: 'service-chain', chainLength: CHAIN, steadyRuns, rows }));
}

runBench(COMMAND, main);
