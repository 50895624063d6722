/**
 * Benchmark: a DPUSet rollout over simulated DPUs, on real kube-apiservers
 * (host and DPU cluster), a private Temporal dev server, and the controller,
 * control worker and host workers as their own processes.
 *   node dist/bench/dpuset-rollout.js [flags]   (--help lists them with their defaults: COMMAND below)
 * Prints the rollout's makespan (template change → every DPU Ready on the new
 * BFB), the ideal (batches × one DPU's update flow, measured alone on a
 * one-DPU set), their ratio (goal ≤ 1.10), the most DPUs down at once (from
 * the rollout workflow's own history, rollout-record.ts, and as seen by a
 * watch on the DPU objects, at each change: dpu-set-watch.ts), the CPU
 * seconds of every process over the rollout, and the controller's and control
 * worker's peak RSS. Never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { waitForPollers } from '../platform/connection/pollers';
import { Kube } from '../platform/kube/client';
import type { DpuResource } from '../model/resources/common';
import { resolveMaxUnavailable } from '../model/dpuset-api';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../model/task-queues';
import { startBfbServer } from '../sim/bfb-server';
import { startSimFleet, type SimFleet } from '../sim/fleet';
import { freePort } from '../sim/free-port';
import { createHostNode, installCrds, KubeApiservers, playKubelets, registerDpuCluster } from '../sim/kube';
import { startDpuClusterJoins, type DpuClusterJoins } from '../sim/dpu';
import { syncNodeDevices } from '../node/discovery/sync-node';
import { xpuIdTable } from '../node/discovery/pci-ids';
import {
  spawnControlWorker,
  spawnController,
  spawnHostWorkers,
  untilReady,
  type WorkerProcess,
} from '../cli/demo/worker-processes';
import { startBenchTemporal, type BenchTemporal } from './temporal-dev-server';
import { countFlag, type FlagValues, numberFlag, textFlag } from './command-line';
import { runBench } from './run-bench';
import { cpuSeconds, machineCpuSeconds, peakRssMiB } from './measure';
import { rolloutRecord, updateBreakdown } from './rollout-record';
import { settleDpuSet } from './dpu-set-watch';
import { readKubeRequests } from './kube-requests';
import { growthLine } from './server-requests';

const NS = 'bench';

const COMMAND = {
  name: 'dpuset-rollout',
  about: [
    'a DPUSet rollout over simulated DPUs on real kube-apiservers and a private dev server, the',
    'controller and workers as processes. Prints the makespan, the ideal (batches × one DPU',
    'update alone), their ratio (goal 1.10), the most DPUs down at once, every process CPU',
    'seconds and peak RSS.',
  ],
  flags: {
    hosts: countFlag(10, 'simulated hosts'),
    dpus: countFlag(10, 'DPUs per host'),
    'max-unavailable': textFlag(
      '10%',
      "the DPUSet's maxUnavailable: a count or a percentage of the set",
      'N|N%',
      /^\d+%?$/,
    ),
    'flash-seconds': numberFlag(6, 'how long the simulated DMS takes to flash a BFB'),
    'reboot-seconds': numberFlag(1, 'how long a simulated DPU takes to reboot'),
  },
};

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { hosts, dpus: perHost } = flags;
  const maxUnavailable = flags['max-unavailable'];
  const flashSeconds = flags['flash-seconds'];
  const rebootSeconds = flags['reboot-seconds'];
  const total = hosts * perHost;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-rollout-'));
  const apis = new KubeApiservers();
  const procs: WorkerProcess[] = [];
  const fleets: SimFleet[] = [];
  let temporal: BenchTemporal | undefined;
  const bfbServer = await startBfbServer({
    files: [
      { name: 'bf-bundle-a.bfb', sizeBytes: 2 ** 20 },
      { name: 'bf-bundle-b.bfb', sizeBytes: 2 ** 20 },
    ],
  });
  let kubelets: { stop(): void } | undefined;
  let joins: DpuClusterJoins | undefined;
  try {
    const [host, dpuCluster] = await apis.start(['host', 'dpu']);
    await installCrds(host.kc);
    const kube = new Kube(host.kc);
    await kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await registerDpuCluster(kube, NS, 'dpu-cluster', dpuCluster);
    for (const [name, file] of [
      ['bfb-a', 'bf-bundle-a.bfb'],
      ['bfb-b', 'bf-bundle-b.bfb'],
    ]) {
      await kube.create('BFB', NS, {
        metadata: { name },
        spec: { url: bfbServer.url(file), sha256: bfbServer.sha256(file) },
      });
    }
    kubelets = playKubelets(kube);

    temporal = await startBenchTemporal(path.join(dir, 'temporal'));
    const temporalEnv = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default' };
    const client = new Client({
      connection: await Connection.connect({ address: temporalEnv.TEMPORAL_ADDRESS }),
    });

    const dmsBasePort = await freePort();
    const common = { flashMs: flashSeconds * 1000, rebootMs: rebootSeconds * 1000, bfbSizeBytes: 1024 };
    const solo = await startSimFleet({
      ...common,
      dir: path.join(dir, 'solo'),
      prefix: 'solo-',
      hosts: 1,
      dpusPerHost: 1,
      dmsListen: (_h, d) => ({ host: '127.0.19.1', port: dmsBasePort + d }),
    });
    const fleet = await startSimFleet({
      ...common,
      dir: path.join(dir, 'fleet'),
      prefix: 'bench-',
      hosts,
      dpusPerHost: perHost,
      dmsListen: (h, d) => ({
        host: `127.0.${20 + Math.floor(h / 250)}.${(h % 250) + 1}`,
        port: dmsBasePort + d,
      }),
    });
    fleets.push(solo, fleet);
    // The DPUs join the DPU cluster with their bf.cfg, as real ones do.
    joins = await startDpuClusterJoins(dpuCluster, dir, () =>
      fleets.flatMap((f) => f.dpus.map((d) => d.dms)),
    );
    await createHostNode(kube, solo.hosts[0].node, '127.0.19.1', { bench: 'solo' });
    for (const [h, x] of fleet.hosts.entries()) {
      await createHostNode(kube, x.node, `127.0.${20 + Math.floor(h / 250)}.${(h % 250) + 1}`, {
        bench: 'fleet',
      });
    }
    // The DPU labels, as the host workers' node discovery writes them (one pass each).
    for (const x of [...solo.hosts, ...fleet.hosts]) {
      await syncNodeDevices({ kube, node: x.node, sysfsRoot: x.sysfsRoot, ids: xpuIdTable() });
    }

    const kubeEnv = { ...temporalEnv, XPUFLOW_KUBECONFIG: host.kubeconfigPath };
    const control = spawnControlWorker({
      bfbCacheDir: path.join(dir, 'cache'),
      logFile: path.join(dir, 'control.log'),
      env: kubeEnv,
    });
    const controller = spawnController({
      logFile: path.join(dir, 'controller.log'),
      env: {
        ...kubeEnv,
        XPUFLOW_WATCH_NAMESPACE: NS,
        XPUFLOW_DMS_BASE_PORT: String(dmsBasePort),
        XPUFLOW_TIMING: JSON.stringify({
          expectedFlashSeconds: flashSeconds,
          pollInitialSeconds: 1,
          pollMaxSeconds: 1,
          rebootDelaySeconds: 1,
        }),
      },
    });
    procs.push(control, controller);
    const hostWorkers = spawnHostWorkers({
      // Discovery ran once above; the DPU set does not change during the bench.
      placements: [...solo.hosts, ...fleet.hosts].map((x) => ({
        node: x.node,
        sysfsRoot: x.sysfsRoot,
        discovery: { intervalSeconds: 0 },
      })),
      logFile: path.join(dir, 'hosts.log'),
      env: temporalEnv,
    });
    procs.push(hostWorkers);
    // A worker that exits first is reported at once with the end of its log.
    await untilReady(procs, (signal) =>
      waitForPollers(
        client,
        [
          { taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' },
          ...[...solo.hosts, ...fleet.hosts].map((x) => ({ taskQueue: hostTaskQueue(x.node) })),
        ],
        60_000,
        signal,
      ),
    );

    const dpuset = (name: string, selector: string) => ({
      metadata: { name },
      spec: {
        nodeSelector: { matchLabels: { bench: selector } },
        dpuTemplate: { spec: { bfb: 'bfb-a', numVfs: 2, cluster: { name: 'dpu-cluster' } } },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: {
            maxUnavailable: /%$/.test(maxUnavailable) ? maxUnavailable : Number(maxUnavailable),
          },
        },
        failureBudget: 0,
      },
    });
    console.log(`provisioning ${total} + 1 DPUs (flash ${flashSeconds} s, reboot ${rebootSeconds} s)…`);
    let t = Date.now();
    await kube.create('DPUSet', NS, dpuset('solo', 'solo'));
    await kube.create('DPUSet', NS, dpuset('fleet', 'fleet'));
    await settleDpuSet(kube, NS, 'solo', 1, 'bfb-a');
    await settleDpuSet(kube, NS, 'fleet', total, 'bfb-a');
    const firstMs = Date.now() - t;

    console.log('one DPU alone: rolling the solo set to bfb-b…');
    t = Date.now();
    await kube.patch(
      'DPUSet',
      { namespace: NS, name: 'solo' },
      { spec: { dpuTemplate: { spec: { bfb: 'bfb-b' } } } },
    );
    await settleDpuSet(kube, NS, 'solo', 1, 'bfb-b');
    const aloneMs = Date.now() - t;
    const soloRecord = await rolloutRecord(client, { namespace: NS, name: 'solo' }, t);

    console.log(`rolling ${total} DPUs to bfb-b with maxUnavailable ${maxUnavailable}…`);
    const cpu = () => ({
      control: cpuSeconds(control.proc.pid!),
      controller: cpuSeconds(controller.proc.pid!),
      hosts: cpuSeconds(hostWorkers.proc.pid!),
      server: temporal!.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      kube: apis.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      machine: machineCpuSeconds(),
    });
    const refusedBefore = new Map([...joins.refusals].map(([step, r]) => [step, r.count]));
    const cpuBefore = cpu();
    const kubeBefore = await Promise.all([host, dpuCluster].map((c) => readKubeRequests(c.kc)));
    t = Date.now();
    await kube.patch(
      'DPUSet',
      { namespace: NS, name: 'fleet' },
      { spec: { dpuTemplate: { spec: { bfb: 'bfb-b' } } } },
    );
    const worstDown = await settleDpuSet(kube, NS, 'fleet', total, 'bfb-b');
    const makespanMs = Date.now() - t;
    const cpuAfter = cpu();
    const kubeAfter = await Promise.all([host, dpuCluster].map((c) => readKubeRequests(c.kc)));
    const record = await rolloutRecord(client, { namespace: NS, name: 'fleet' }, t);

    const slots = resolveMaxUnavailable(
      /%$/.test(maxUnavailable) ? maxUnavailable : Number(maxUnavailable),
      total,
    );
    const batches = Math.ceil(total / slots);
    const idealMs = batches * aloneMs;
    console.log(`first provisioning of ${total} + 1: ${(firstMs / 1000).toFixed(1)} s`);
    console.log(`one DPU's update alone:      ${(aloneMs / 1000).toFixed(1)} s`);
    console.log(`rollout makespan:            ${(makespanMs / 1000).toFixed(1)} s`);
    console.log(
      `ideal:                       ${(idealMs / 1000).toFixed(1)} s (${batches} batches of ${slots} × one DPU alone)`,
    );
    console.log(`ratio:                       ${(makespanMs / idealMs).toFixed(3)} (goal ≤ 1.10)`);
    console.log(
      `most DPUs down at once:      ${record.mostInFlight} by the rollout's history (${record.children} children of ${record.workflowId}), ` +
        `${worstDown} by watching the DPUs (maxUnavailable ${slots})`,
    );
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `where the time went:         template change → first child ${s(record.firstStartMs)} (alone ${s(soloRecord.firstStartMs)}); ` +
        `a child (one DPU's update, Ready seen) ${s(record.meanChildMs)} on average (alone ${s(soloRecord.meanChildMs)}); ` +
        `a freed slot refilled in ${s(record.meanRefillMs)} on average, ${s(record.maxRefillMs)} at most`,
    );
    const updated = async (set: string) =>
      (await kube.list<DpuResource>('DPU', NS, `provisioning.xpuflow.dev/dpuset=${set}`)).map((d) => ({
        ref: { namespace: NS, name: d.metadata.name },
        generation: d.metadata.generation ?? 1,
      }));
    const alone = await updateBreakdown(
      client,
      { namespace: NS, name: 'solo' },
      soloRecord.workflowId,
      await updated('solo'),
    );
    const inRollout = await updateBreakdown(
      client,
      { namespace: NS, name: 'fleet' },
      record.workflowId,
      await updated('fleet'),
    );
    console.log("a rollout child's time (mean s):       in the rollout   alone");
    const row = (what: string, a: number, b: number | undefined) =>
      console.log(`  ${what.padEnd(36)} ${a.toFixed(1).padStart(6)}   ${b?.toFixed(1) ?? '-'}`);
    row('child start → update flow starts', inRollout.reactSeconds, alone.reactSeconds);
    for (const [phase, sec] of inRollout.phases) row(`  phase ${phase}`, sec, alone.phases.get(phase));
    row('update Ready → child ends', inRollout.noticeSeconds, alone.noticeSeconds);
    const spent = (k: Exclude<keyof typeof cpuAfter, 'machine'>) => (cpuAfter[k] - cpuBefore[k]).toFixed(1);
    console.log(
      `CPU over the rollout, s:     control worker ${spent('control')}, controller ${spent('controller')}, ` +
        `host workers ${spent('hosts')}, Temporal server ${spent('server')}, kube-apiservers and etcd ${spent('kube')}, ` +
        `bench (simulators, played kubelets and joins) ${spent('bench')}; the machine ` +
        `${(cpuAfter.machine.busy - cpuBefore.machine.busy).toFixed(1)} busy of ${(cpuAfter.machine.all - cpuBefore.machine.all).toFixed(1)} ` +
        `(${os.cpus().length} cores × ${(makespanMs / 1000).toFixed(1)} s; others' work included)`,
    );
    console.log(`kube-apiserver requests over the rollout (apiserver_request_total, by verb and resource):`);
    console.log(`  host cluster: ${growthLine(kubeBefore[0], kubeAfter[0], total, 'DPU updated')}`);
    console.log(`  DPU cluster:  ${growthLine(kubeBefore[1], kubeAfter[1], total, 'DPU updated')}`);
    const refused = [...joins.refusals]
      .map(([step, r]) => ({ step, n: r.count - (refusedBefore.get(step) ?? 0), lastReason: r.lastReason }))
      .filter((r) => r.n > 0);
    console.log(
      `DPU joins refused over the rollout: ${refused.length === 0 ? 'none' : refused.map((r) => `${r.step} ${(r.n / total).toFixed(1)} per DPU updated (last: ${r.lastReason})`).join('; ')}`,
    );
    console.log(`controller peak RSS:         ${peakRssMiB(controller.proc.pid!).toFixed(0)} MiB`);
    console.log(`control worker peak RSS:     ${peakRssMiB(control.proc.pid!).toFixed(0)} MiB`);
    await client.connection.close();
  } finally {
    kubelets?.stop();
    await joins?.stop();
    await Promise.all(procs.map((p) => p.stop()));
    await Promise.all(fleets.map((f) => f.stop()));
    await bfbServer.stop();
    // Cleanup after the figures (or a failure already thrown): a failed stop is said, not thrown over it.
    await temporal
      ?.stop()
      .catch((err: unknown) =>
        console.warn(`cleanup: stopping the Temporal dev server failed: ${(err as Error).message}`),
      );
    await apis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
