/**
 * DPUService rollout latency on real kube-apiservers: a host cluster and K
 * DPU clusters (each with Argo CD's Application CRD), a private dev server,
 * the control worker as a process and the DPUService controllers in this
 * process (1 s health poll). This bench plays Argo CD: every Application is
 * reported Synced + Healthy for its current spec within ~100 ms. It prints:
 *
 *   create → Ready            (a new DPUService, K Applications)
 *   version change, one wave  (every cluster at once)
 *   version change, canary + waves [50, 100], with the time of each wave
 *   Application writes on a label-only change (should be 0)
 *
 *   node dist/bench/dpu-service.js [flags]   (--help lists them with their defaults: COMMAND below)
 *
 * It never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { startDpuServiceControllers } from '../controllers/dpu-service-manager';
import { Kube } from '../platform/kube/client';
import { ARGO_NAMESPACE, type DpuServiceResource } from '../model/resources/dpu-service';
import { applicationName } from '../model/dpu-service';
import { installArgoCrd, listApplications, playArgo, type PlayedArgo } from '../sim/argocd';
import { installCrds, KubeApiservers, registerDpuCluster } from '../sim/kube';
import { spawnControlWorker } from '../cli/demo/worker-processes';
import { startBenchTemporal } from './temporal-dev-server';
import { countFlag, type FlagValues } from './command-line';
import { runBench } from './run-bench';
import { startControlWorkerStack } from './control-worker-stack';

const NS = 'xpuflow-bench-svc';

const COMMAND = {
  name: 'dpu-service',
  about: [
    'DPUService rollout latency on real kube-apiservers (a host cluster and K DPU clusters), this',
    'bench playing Argo CD. Prints create → Ready, a version change in one wave and in canary +',
    'waves, and the Application writes of a label-only change (should be 0).',
  ],
  flags: {
    clusters: countFlag(4, 'DPU clusters, one Application each'),
    repeats: countFlag(3, 'times each change is measured'),
  },
};

const chart = (version: string) => ({ repoURL: 'oci://ghcr.io/example/charts', chart: 'bench', version });
const readyAt = (s: DpuServiceResource | undefined) =>
  !!s && s.status?.phase === 'Ready' && s.status.observedGeneration === s.metadata.generation;

interface Rollout {
  ms: number;
  /** Wave number → ms from the change until the bench first saw it (wave 1 at ~0). */
  waves: Array<{ wave: number; atMs: number }>;
}

async function main(flags: FlagValues<typeof COMMAND.flags>): Promise<void> {
  const { clusters: K, repeats } = flags;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-dpuservice-'));
  const names = Array.from({ length: K }, (_, i) => `dpu${i + 1}`);
  const apis = new KubeApiservers();
  let temporal: Awaited<ReturnType<typeof startBenchTemporal>> | undefined;
  let worker: ReturnType<typeof spawnControlWorker> | undefined;
  let client: Client | undefined;
  let controllers: Awaited<ReturnType<typeof startDpuServiceControllers>> | undefined;
  let argo: PlayedArgo | undefined;
  try {
    const t0 = Date.now();
    const clusters = await apis.start(['host', ...names]);
    const host = clusters[0];
    const kube = new Kube(host.kc);
    await installCrds(host.kc);
    await kube.core.createNamespace({ body: { metadata: { name: NS } } });
    const dpus: Record<string, Kube> = {};
    for (const [i, name] of names.entries()) {
      const c = clusters[i + 1];
      const dk = new Kube(c.kc);
      dpus[name] = dk;
      await installArgoCrd(c.kc);
      await dk.core.createNamespace({ body: { metadata: { name: ARGO_NAMESPACE } } });
      await registerDpuCluster(kube, NS, name, c);
    }
    ({ temporal, client, worker } = await startControlWorkerStack(dir, host.kubeconfigPath));
    controllers = await startDpuServiceControllers({
      kc: host.kc,
      temporal: client,
      namespace: NS,
      pollSeconds: 1,
      retrySeconds: 2,
      log: (l) => fs.appendFileSync(path.join(dir, 'controller.log'), `${new Date().toISOString()} ${l}\n`),
    });
    // Argo CD: Synced + Healthy for the current spec within ~100 ms, finalizer off on delete.
    argo = playArgo({ clusters: dpus, intervalMs: 100, health: () => 'Healthy' });
    console.error(`set up ${K} DPU clusters in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const get = (name: string) => kube.get<DpuServiceResource>('DPUService', { namespace: NS, name });
    /** Polls every 50 ms until Ready at the current generation; notes when each wave is first seen. */
    const untilReady = async (name: string, start: number, timeoutMs = 120_000): Promise<Rollout> => {
      const waves: Rollout['waves'] = [];
      for (;;) {
        const s = await get(name);
        const w = s?.status?.currentWave;
        if (w && s?.status?.observedGeneration === s?.metadata.generation && !waves.some((x) => x.wave === w))
          waves.push({ wave: w, atMs: performance.now() - start });
        if (readyAt(s)) return { ms: performance.now() - start, waves };
        if (performance.now() - start > timeoutMs)
          throw new Error(`${name} not Ready within ${timeoutMs} ms: ${JSON.stringify(s?.status)}`);
        await sleep(50);
      }
    };

    const create: number[] = [];
    const oneWave: Rollout[] = [];
    const canary: Rollout[] = [];
    let labelWrites = 0;
    let wavesShape: string[][] | undefined;
    /** Creates a DPUService at 1.0.0 and waits for Ready, then changes it to 1.1.0 and follows that rollout. */
    const createThenChange = async (name: string, rollout: object): Promise<Rollout> => {
      let t = performance.now();
      await kube.create('DPUService', NS, {
        metadata: { name },
        spec: { helmChart: { source: chart('1.0.0') }, namespace: 'bench', rollout },
      });
      create.push((await untilReady(name, t)).ms);
      t = performance.now();
      await kube.patch(
        'DPUService',
        { namespace: NS, name },
        { spec: { helmChart: { source: { version: '1.1.0' } } } },
      );
      return untilReady(name, t);
    };
    for (let r = 0; r < repeats; r++) {
      // One wave: every cluster at once.
      const flat = `flat${r}`;
      oneWave.push(await createThenChange(flat, { healthTimeoutSeconds: 60 }));

      // Canary + waves [50, 100].
      const waved = `waved${r}`;
      canary.push(
        await createThenChange(waved, { canary: names[0], waves: [50, 100], healthTimeoutSeconds: 60 }),
      );
      wavesShape ??= (await get(waved))?.status?.waves;

      // A label-only change: no Application is written (resourceVersions over 3 s).
      const rvs = async () =>
        Promise.all(
          Object.values(dpus).map(async (d) =>
            (await listApplications(d))
              .filter((a) => a.metadata.name === applicationName(NS, flat))
              .map((a) => a.metadata.resourceVersion)
              .join(),
          ),
        );
      const before = await rvs();
      const argoBefore = argo.writes();
      await kube.patch(
        'DPUService',
        { namespace: NS, name: flat },
        { metadata: { labels: { bench: `r${r}` } } },
      );
      await sleep(3000);
      const after = await rvs();
      labelWrites += after.filter((v, i) => v !== before[i]).length + (argo.writes() - argoBefore);

      for (const n of [flat, waved]) await kube.delete('DPUService', { namespace: NS, name: n });
      console.error(`repeat ${r + 1}/${repeats} done`);
    }

    const s = (ms: number) => (ms / 1000).toFixed(2);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const line = (label: string, xs: number[]) =>
      console.log(
        `  ${label.padEnd(34)} mean ${s(mean(xs)).padStart(6)} s  min ${s(Math.min(...xs)).padStart(6)}  max ${s(Math.max(...xs)).padStart(6)}`,
      );
    console.log(
      `DPUService rollouts over ${K} DPU clusters (pollSeconds 1, Argo CD played at 100 ms), ${repeats} repeats`,
    );
    line('create → Ready', create);
    line(
      'version change, one wave → Ready',
      oneWave.map((x) => x.ms),
    );
    line(
      'version change, canary+[50,100]',
      canary.map((x) => x.ms),
    );
    const nWaves = Math.max(...canary.map((c) => c.waves.length));
    for (let w = 1; w <= nWaves; w++) {
      const durs = canary
        .map((c) => {
          const i = c.waves.findIndex((x) => x.wave === w);
          if (i < 0) return undefined;
          const end = i + 1 < c.waves.length ? c.waves[i + 1].atMs : c.ms;
          return end - c.waves[i].atMs;
        })
        .filter((x): x is number => x !== undefined);
      if (durs.length > 0) line(`  wave ${w} (${(wavesShape?.[w - 1] ?? []).join(',')})`, durs);
    }
    console.log(`  Application writes on a label-only change: ${labelWrites} (over ${repeats} changes)`);
    console.log(
      JSON.stringify({
        bench: 'dpu-service',
        clusters: K,
        repeats,
        waves: wavesShape,
        createMs: create,
        oneWaveMs: oneWave.map((x) => x.ms),
        canaryMs: canary.map((x) => x.ms),
        canaryWaves: canary.map((x) => x.waves),
        labelOnlyApplicationWrites: labelWrites,
      }),
    );
  } finally {
    argo?.stop();
    await controllers?.stop();
    await worker?.stop(5_000);
    await client?.connection.close();
    await temporal?.stop();
    await apis.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
