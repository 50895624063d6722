/**
 * The DPUService harness: real kube-apiservers (the host cluster and two DPU
 * clusters, dpu1 and dpu2, each with Argo CD's real Application CRD), xpuflow's
 * CRDs, DPUCluster objects with their kubeconfig Secrets, a real Temporal dev
 * server, the control worker as a child process and the DPUService controller
 * in the test process. The test plays Argo CD: `argo.health` decides what each
 * Application reports for its current spec (sync status, health, comparedTo),
 * and Applications being deleted lose the Argo finalizer when `argo.finalize`.
 */
import { waitFor } from '../support/wait-for';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import * as k8s from '@kubernetes/client-node';
import {
  startDpuServiceControllers,
  type RunningDpuServiceControllers,
} from '../../controllers/dpu-service-manager';
import { Kube } from '../../platform/kube/client';
import { ARGO_NAMESPACE, type Application, type DpuServiceResource } from '../../model/resources/dpu-service';
import {
  getApplication,
  installArgoCrd,
  listApplications,
  playArgo,
  type PlayedArgo,
} from '../../sim/argocd';
import { installCrds, KubeApiservers, registerDpuCluster, type KubeCluster } from '../../sim/kube';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import { captureHistory } from '../support/history-capture';
import { logTails, timestampedLog } from '../support/log-tails';
import { startControlWorker } from '../support/polling-workers';

export const NS = 'xpuflow-svc-test';
export const DPU_CLUSTERS = ['dpu1', 'dpu2'] as const;
export type DpuClusterName = (typeof DPU_CLUSTERS)[number];

/** What Argo CD reports for an Application's current spec; undefined leaves its status alone. */
export type ArgoHealth = (
  cluster: DpuClusterName,
  app: Application,
) => 'Healthy' | 'Degraded' | 'Progressing' | undefined;

export class DpuServiceHarness {
  readonly apis = new KubeApiservers();
  readonly temporal = new DevServer();
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dpuservice-e2e-'));
  host!: KubeCluster;
  kube!: Kube;
  readonly dpu = {} as Record<DpuClusterName, Kube>;
  client!: Client;
  controllers?: RunningDpuServiceControllers;
  private worker?: WorkerProcess;
  private argoPlayer?: PlayedArgo;
  /** The test's Argo CD: what each Application reports (default: nothing, as if Argo CD were slow). */
  readonly argo: { health: ArgoHealth; finalize: boolean } = { health: () => undefined, finalize: true };

  private t0 = Date.now();
  /** Start-up steps with their times, in the failure output (a slow machine shows where it waits). */
  private step(what: string): void {
    fs.appendFileSync(
      path.join(this.dir, 'harness.log'),
      `${((Date.now() - this.t0) / 1000).toFixed(1)} s ${what}\n`,
    );
  }

  startLog(): string {
    const f = path.join(this.dir, 'harness.log');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '(nothing started)';
  }

  async start(): Promise<void> {
    // The Temporal dev server starts beside the apiservers: each mostly waits on its own process.
    this.step('starting kube-apiservers and the Temporal dev server');
    const [clusters] = await Promise.all([this.apis.start(['host', ...DPU_CLUSTERS]), this.temporal.start()]);
    this.host = clusters[0];
    this.kube = new Kube(this.host.kc);
    await installCrds(this.host.kc);
    await this.kube.core.createNamespace({ body: { metadata: { name: NS } } });
    for (const [i, name] of DPU_CLUSTERS.entries()) {
      const c = clusters[i + 1];
      this.dpu[name] = new Kube(c.kc);
      await installArgoCrd(c.kc);
      await this.dpu[name].core.createNamespace({ body: { metadata: { name: ARGO_NAMESPACE } } });
      await registerDpuCluster(this.kube, NS, name, c, { 'xpuflow.dev/site': 'lab' });
    }
    await this.kube.core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: 'ghcr-pull' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: {
          '.dockerconfigjson': JSON.stringify({ auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' } } }),
        },
      },
    });
    this.step('clusters ready');
    this.client = new Client({
      connection: await Connection.connect({ address: this.temporal.address }),
      namespace: 'default',
    });
    await startControlWorker(this.client, {
      dir: this.dir,
      env: {
        TEMPORAL_ADDRESS: this.temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        XPUFLOW_KUBECONFIG: this.host.kubeconfigPath,
      },
      started: (w) => {
        this.worker = w;
        this.step('control worker spawned');
      },
    });
    this.step('control worker polls; starting the controller');
    await this.startController();
    this.playArgo();
    this.step('started');
  }

  /** Every 300 ms, as Argo CD would: status for the current spec, finalizer off when deleted. */
  private playArgo(): void {
    this.argoPlayer = playArgo({
      clusters: this.dpu,
      intervalMs: 300,
      health: (cluster, app) => this.argo.health(cluster, app),
      finalize: () => this.argo.finalize,
    });
  }

  /** The DPUService controller in this process (a new one after stopController: nothing remembered). */
  async startController(): Promise<void> {
    this.controllers = await startDpuServiceControllers({
      kc: this.host.kc,
      temporal: this.client,
      namespace: NS,
      pollSeconds: 1,
      retrySeconds: 2,
      workflowUrlBase: `http://127.0.0.1:${this.temporal.uiPort}/namespaces/default/workflows/`,
      log: timestampedLog(path.join(this.dir, 'controller.log')),
    });
  }

  async stopController(): Promise<void> {
    await this.controllers?.stop();
    this.controllers = undefined;
  }

  apps(cluster: DpuClusterName): Promise<Application[]> {
    return listApplications(this.dpu[cluster]);
  }

  app(cluster: DpuClusterName, name: string): Promise<Application | undefined> {
    return getApplication(this.dpu[cluster], name);
  }

  service(name: string): Promise<DpuServiceResource | undefined> {
    return this.kube.get<DpuServiceResource>('DPUService', { namespace: NS, name });
  }

  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    return waitFor(what, probe, {
      timeoutMs,
      everyMs: 300,
      explain: async () => `${await this.describe()}\n${logTails(this.dir, 2500)}`,
    });
  }

  async events(name: string): Promise<k8s.CoreV1Event[]> {
    return (
      await this.kube.core.listNamespacedEvent({
        namespace: NS,
        fieldSelector: `involvedObject.name=${name}`,
      })
    ).items;
  }

  async describe(): Promise<string> {
    try {
      const svcs = await this.kube.list<DpuServiceResource>('DPUService', NS);
      const lines = svcs.map(
        (s) =>
          `DPUService ${s.metadata.name} gen ${s.metadata.generation}: ${s.status?.phase ?? '-'} (observed ${s.status?.observedGeneration ?? '-'}) ${s.status?.message ?? ''}`,
      );
      for (const c of DPU_CLUSTERS)
        for (const a of await this.apps(c))
          lines.push(
            `${c} Application ${a.metadata.name} ${a.spec.source.targetRevision}: ${a.status?.sync?.status ?? '-'}/${a.status?.health?.status ?? '-'}`,
          );
      return lines.join('\n');
    } catch (err) {
      return `(cannot describe: ${String(err)})`;
    }
  }

  /** Saves a run's history under test/histories/ when XPUFLOW_WRITE_HISTORIES=1. */
  captureHistory(workflowId: string, fileName: string): void {
    captureHistory(this.temporal.address, workflowId, fileName);
  }

  async dispose(): Promise<void> {
    this.argoPlayer?.stop();
    this.argoPlayer = undefined;
    await this.controllers?.stop();
    await this.worker?.stop(5_000);
    await this.client?.connection.close();
    await this.temporal.dispose();
    await this.apis.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
