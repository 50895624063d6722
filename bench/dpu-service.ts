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
 *   node dist/bench/dpu-service.js [--clusters 4] [--repeats 3]
 *
 * It never fails for being slow.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { waitForPollers } from '../platform/connection/pollers';
import { startDpuServiceControllers } from '../controllers/dpu-service-manager';
import { Kube } from '../platform/kube/client';
import {
  ARGO_APPLICATIONS,
  ARGO_GROUP,
  ARGO_NAMESPACE,
  ARGO_RESOURCES_FINALIZER,
  ARGO_VERSION,
  type Application,
  type DpuServiceResource,
} from '../model/resources/dpu-service';
import { applicationName } from '../model/dpu-service';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { installArgoCrd } from '../sim/argocd';
import { installCrds, KubeApiservers, registerDpuCluster } from '../sim/kube';
import { spawnControlWorker } from '../cli/demo/worker-processes';
import { startBenchTemporal } from './temporal-dev-server';

const NS = 'xpuflow-bench-svc';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const chart = (version: string) => ({ repoURL: 'oci://ghcr.io/example/charts', chart: 'bench', version });
const readyAt = (s: DpuServiceResource | undefined) =>
  !!s && s.status?.phase === 'Ready' && s.status.observedGeneration === s.metadata.generation;

const appApi = {
  group: ARGO_GROUP,
  version: ARGO_VERSION,
  namespace: ARGO_NAMESPACE,
  plural: ARGO_APPLICATIONS,
};

async function listApps(kube: Kube): Promise<Application[]> {
  return ((await kube.custom.listNamespacedCustomObject(appApi)) as { items: Application[] }).items;
}

/** Argo CD as far as xpuflow sees it: Synced + Healthy for the current spec, finalizer off on delete. */
function playArgo(dpus: Kube[]): { stop(): void; writes: () => number } {
  let timer: NodeJS.Timeout | undefined;
  let writes = 0;
  const patch = (kube: Kube, name: string, ops: object[]) =>
    kube.custom.patchNamespacedCustomObject(
      { ...appApi, name, body: ops },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
  const tick = async () => {
    await Promise.all(
      dpus.map(async (kube) => {
        for (const app of await listApps(kube)) {
          if (app.metadata.deletionTimestamp) {
            if (app.metadata.finalizers?.includes(ARGO_RESOURCES_FINALIZER))
              await patch(kube, app.metadata.name, [{ op: 'remove', path: '/metadata/finalizers' }]);
            continue;
          }
          const st = app.status;
          if (
            st?.health?.status === 'Healthy' &&
            JSON.stringify(st?.sync?.comparedTo?.source) === JSON.stringify(app.spec.source)
          )
            continue;
          const revision = app.spec.source.targetRevision;
          writes++;
          await patch(kube, app.metadata.name, [
            {
              op: 'add',
              path: '/status',
              value: {
                sync: {
                  status: 'Synced',
                  revision,
                  comparedTo: { source: app.spec.source, destination: app.spec.destination },
                },
                health: { status: 'Healthy' },
                operationState: {
                  operation: { sync: { revision } },
                  startedAt: new Date().toISOString(),
                  phase: 'Succeeded',
                  message: 'successfully synced',
                  syncResult: { revision },
                },
              },
            },
          ]);
        }
      }),
    );
  };
  const loop = () => {
    timer = setTimeout(() => {
      void tick()
        .catch(() => undefined)
        .finally(() => {
          if (timer) loop();
        });
    }, 100);
  };
  loop();
  return {
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
    writes: () => writes,
  };
}

interface Rollout {
  ms: number;
  /** Wave number → ms from the change until the bench first saw it (wave 1 at ~0). */
  waves: Array<{ wave: number; atMs: number }>;
}

async function main(): Promise<void> {
  const K = arg('clusters', 4);
  const repeats = arg('repeats', 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bench-dpuservice-'));
  const names = Array.from({ length: K }, (_, i) => `dpu${i + 1}`);
  const apis = new KubeApiservers();
  let temporal: Awaited<ReturnType<typeof startBenchTemporal>> | undefined;
  let worker: ReturnType<typeof spawnControlWorker> | undefined;
  let client: Client | undefined;
  let controllers: Awaited<ReturnType<typeof startDpuServiceControllers>> | undefined;
  let argo: ReturnType<typeof playArgo> | undefined;
  try {
    const t0 = Date.now();
    const clusters = await apis.start(['host', ...names]);
    const host = clusters[0];
    const kube = new Kube(host.kc);
    await installCrds(host.kc);
    await kube.core.createNamespace({ body: { metadata: { name: NS } } });
    const dpus: Kube[] = [];
    for (const [i, name] of names.entries()) {
      const c = clusters[i + 1];
      const dk = new Kube(c.kc);
      dpus.push(dk);
      await installArgoCrd(c.kc);
      await dk.core.createNamespace({ body: { metadata: { name: ARGO_NAMESPACE } } });
      await registerDpuCluster(kube, NS, name, c);
    }
    temporal = await startBenchTemporal(path.join(dir, 'temporal'));
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    worker = spawnControlWorker({
      bfbCacheDir: path.join(dir, 'bfb-cache'),
      logFile: path.join(dir, 'control.log'),
      env: {
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        XPUFLOW_KUBECONFIG: host.kubeconfigPath,
      },
    });
    await waitForPollers(client, [{ taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' }]);
    controllers = await startDpuServiceControllers({
      kc: host.kc,
      temporal: client,
      namespace: NS,
      pollSeconds: 1,
      retrySeconds: 2,
      log: (l) => fs.appendFileSync(path.join(dir, 'controller.log'), `${new Date().toISOString()} ${l}\n`),
    });
    argo = playArgo(dpus);
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
    for (let r = 0; r < repeats; r++) {
      // One wave: every cluster at once.
      const flat = `flat${r}`;
      let t = performance.now();
      await kube.create('DPUService', NS, {
        metadata: { name: flat },
        spec: {
          helmChart: { source: chart('1.0.0') },
          namespace: 'bench',
          rollout: { healthTimeoutSeconds: 60 },
        },
      });
      create.push((await untilReady(flat, t)).ms);
      t = performance.now();
      await kube.patch(
        'DPUService',
        { namespace: NS, name: flat },
        { spec: { helmChart: { source: { version: '1.1.0' } } } },
      );
      oneWave.push(await untilReady(flat, t));

      // Canary + waves [50, 100].
      const waved = `waved${r}`;
      t = performance.now();
      await kube.create('DPUService', NS, {
        metadata: { name: waved },
        spec: {
          helmChart: { source: chart('1.0.0') },
          namespace: 'bench',
          rollout: { canary: names[0], waves: [50, 100], healthTimeoutSeconds: 60 },
        },
      });
      create.push((await untilReady(waved, t)).ms);
      t = performance.now();
      await kube.patch(
        'DPUService',
        { namespace: NS, name: waved },
        { spec: { helmChart: { source: { version: '1.1.0' } } } },
      );
      canary.push(await untilReady(waved, t));
      wavesShape ??= (await get(waved))?.status?.waves;

      // A label-only change: no Application is written (resourceVersions over 3 s).
      const rvs = async () =>
        Promise.all(
          dpus.map(async (d) =>
            (await listApps(d))
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
