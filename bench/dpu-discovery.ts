/**
 * BMC discovery on a real kube-apiserver and a private dev server: a
 * DPUDiscovery over N loopback addresses (127.0.1.0 onwards) with B
 * simulated BlueField BMCs among them (the rest empty), scanned by the
 * Temporal Schedule the DPUDiscovery controller makes, through the control
 * worker as a process. The simulators run in a child process of their own
 * (bmc-sim-process.ts), which counts the connections open at once. Each
 * BMC's DPU sits in a host of its own, whose Node carries the record
 * host-side node discovery writes (node/discovery/node-record.ts, with the
 * card's VPD serial), so the scan also places every DPU by serial. It prints:
 *
 *   the time from the DPUDiscovery's creation to its status naming B found DPUs
 *   the scan workflow's own time (start to close) and its activity's
 *   the peak of TCP connections open at once on the simulators' side, and the total
 *
 *   node dist/bench/dpu-discovery.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { startDpuDiscoveryController } from '../controllers/dpu-discovery-manager';
import { DpuDeviceFeed } from '../controllers/dpu-device-feed';
import { Kube } from '../platform/kube/client';
import type { DpuDeviceResource, DpuDiscoveryResource } from '../model/resources/dpu-discovery';
import { formatIpv4, parseIpv4 } from '../model/dpu-discovery-api';
import { createHostNode, installCrds, KubeApiservers } from '../sim/kube';
import { nodePatchFor } from '../node/discovery/node-record';
import { freePort } from '../sim/free-port';
import { spawnControlWorker } from '../cli/demo/worker-processes';
import { startBenchTemporal } from './temporal-dev-server';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import { spawnBenchChild } from './child-process';
import { startControlWorkerStack } from './control-worker-stack';
import type { BmcSimProcessOptions } from './bmc-sim-process';

const NS = 'xpuflow-bench-discovery';
const FIRST = parseIpv4('127.0.1.0')!;

const COMMAND = {
  name: 'dpu-discovery',
  about: [
    'BMC discovery on a real kube-apiserver and a private dev server: a DPUDiscovery over N',
    'loopback addresses with B simulated BlueField BMCs among them. Prints the time to B found',
    "DPUs, the scan workflow's and its activity's time, and the simulators' peak of open connections.",
  ],
  flags: {
    addresses: countFlag(256, 'loopback addresses scanned, from 127.0.1.0 (1 to 4096)'),
    bmcs: countFlag(40, 'simulated BMCs among them (at most --addresses)', 0),
    workers: countFlag(32, "the DPUDiscovery's parallel probes (1 to 256)"),
  },
};

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { addresses: N, bmcs: B, workers } = flags;
  if (!(N >= 1 && N <= 4096 && B >= 0 && B <= N && workers >= 1 && workers <= 256))
    throw new Error(
      `--addresses ${N} --bmcs ${B} --workers ${workers}: want 1 ≤ addresses ≤ 4096, bmcs ≤ addresses, 1 ≤ workers ≤ 256`,
    );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-discovery-'));
  const apis = new KubeApiservers();
  let temporal: Awaited<ReturnType<typeof startBenchTemporal>> | undefined;
  let worker: ReturnType<typeof spawnControlWorker> | undefined;
  let client: Client | undefined;
  let controller: { stop(): Promise<void> } | undefined;
  let sims: Awaited<ReturnType<typeof spawnBenchChild<{ statsUrl: string }>>> | undefined;
  try {
    const t0 = Date.now();
    const port = await freePort();
    const step = Math.max(1, Math.floor(N / Math.max(1, B)));
    const bmcs = Array.from({ length: B }, (_, i) => ({
      host: formatIpv4(FIRST + 1 + ((i * step) % N)),
      serial: `MT2242X${String(i).padStart(5, '0')}`,
    }));
    const simOpts: BmcSimProcessOptions = { bmcs, port, username: 'root', password: 'bench-bmc' };
    const [[host]] = await Promise.all([
      apis.start(['host']),
      spawnBenchChild<{ statsUrl: string }>('bmc-sim-process.js', simOpts).then((c) => (sims = c)),
    ]);
    const kube = new Kube(host.kc);
    await installCrds(host.kc);
    await kube.core.createNamespace({ body: { metadata: { name: NS } } });
    // The hosts: one Node per DPU, with node discovery's record of its card (serial from VPD).
    for (const [i, b] of bmcs.entries()) {
      const node = `bench-host-${i}`;
      await createHostNode(kube, node, '127.0.0.1');
      const patch = nodePatchFor(
        {
          devices: [
            {
              pciAddress: '0000:3b:00.0',
              vendorId: '0x15b3',
              deviceId: '0xa2dc',
              model: 'BlueField-3',
              serialNumber: b.serial,
              pfs: [{ pciAddress: '0000:3b:00.0', netdevs: [] }],
            },
          ],
          unrecognised: [],
        },
        {},
      )!;
      await kube.patchNode(node, { metadata: patch });
    }
    await kube.core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'bmc' }, stringData: { username: 'root', password: 'bench-bmc' } },
    });
    ({ temporal, client, worker } = await startControlWorkerStack(dir, host.kubeconfigPath));
    controller = await startDpuDiscoveryController({
      kc: host.kc,
      temporal: client,
      namespace: NS,
      devices: new DpuDeviceFeed(),
      log: (l) => fs.appendFileSync(path.join(dir, 'controller.log'), `${new Date().toISOString()} ${l}\n`),
    });
    console.error(
      `set up ${B} BMC simulators, API server, Temporal and workers in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const start = Date.now();
    await kube.create('DPUDiscovery', NS, {
      metadata: { name: 'bench' },
      spec: {
        ipRangeSpec: { ipRange: { startIP: formatIpv4(FIRST), endIP: formatIpv4(FIRST + N - 1), port } },
        scanInterval: '1h',
        workers,
        bmcCredentialsSecret: { name: 'bmc' },
      },
    });
    let disc: DpuDiscoveryResource | undefined;
    for (;;) {
      disc = await kube.get<DpuDiscoveryResource>('DPUDiscovery', { namespace: NS, name: 'bench' });
      if (disc?.status?.lastScanTime) break;
      if (Date.now() - start > 600_000)
        throw new Error(`no scan finished in 10 minutes; see ${dir}/control.log`);
      await sleep(50);
    }
    const wallMs = Date.now() - start;
    const devices = await kube.list<DpuDeviceResource>('DPUDevice', NS);
    const run = await client.workflow.getHandle(disc.status!.lastScanWorkflowId!).describe();
    const runMs = (run.closeTime?.getTime() ?? Date.now()) - run.startTime.getTime();
    const steps = await activityTimes(client, disc.status!.lastScanWorkflowId!);
    const counts = (await (await fetch(sims!.ready.statsUrl)).json()) as { peak: number; total: number };
    const report = {
      addresses: N,
      bmcs: B,
      workers,
      foundDPUs: disc.status!.foundDPUs ?? 0,
      dpuDevices: devices.length,
      placedBySerial: devices.filter((d) => d.status?.dpuNode && d.status.pciAddress).length,
      createToStatusMs: wallMs,
      scanWorkflowMs: runMs,
      activityMs: steps,
      peakConnections: counts.peak,
      totalConnections: counts.total,
    };
    console.log(
      [
        `discovery of ${N} addresses (${B} BMCs, workers ${workers}):`,
        `  DPUDiscovery created → status with ${report.foundDPUs} found: ${(wallMs / 1000).toFixed(2)} s`,
        `  scan workflow (start → close):            ${(runMs / 1000).toFixed(2)} s`,
        `  of which the scan activity (scanBmcs):    ${((steps.scanBmcs ?? 0) / 1000).toFixed(2)} s`,
        `  and the Kubernetes writes (kubeApplyDiscovery): ${((steps.kubeApplyDiscovery ?? 0) / 1000).toFixed(2)} s`,
        `  DPUDevices written:                       ${devices.length} (${report.placedBySerial} placed on their host by serial)`,
        `  peak TCP connections open at once (simulators' side): ${counts.peak} (total ${counts.total})`,
      ].join('\n'),
    );
    console.log(JSON.stringify(report));
  } finally {
    await controller?.stop();
    await worker?.stop(5_000);
    await client?.connection.close();
    await temporal?.stop();
    await sims?.stop();
    await apis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Each activity's time in a run, scheduled to completed, from its history. */
async function activityTimes(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { name: string; at: number }>();
  const out: Record<string, number> = {};
  const ms = (t: unknown) =>
    Number((t as { seconds?: unknown })?.seconds ?? 0) * 1000 +
    Number((t as { nanos?: number })?.nanos ?? 0) / 1e6;
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a?.activityType?.name)
      scheduled.set(String(e.eventId), { name: a.activityType.name, at: ms(e.eventTime) });
    const c = e.activityTaskCompletedEventAttributes;
    const s = c ? scheduled.get(String(c.scheduledEventId)) : undefined;
    if (s) out[s.name] = ms(e.eventTime) - s.at;
  }
  return out;
}

runBench(COMMAND, main);
