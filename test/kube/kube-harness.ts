/**
 * The Kubernetes end-to-end harness: real kube-apiservers (host cluster and
 * DPU cluster) with xpuflow's CRDs installed, a real Temporal dev server, the
 * control and host workers as child processes, the controllers in the test
 * process, and the simulators. The test plays the host's kubelets: it marks
 * DMS pods Ready and finishes evicted pods; a host asked for as a real node
 * (hosts(..., { realNode: true })) has a real kubelet instead. The DPU cluster runs the real
 * kube-controller-manager's CSR and bootstrap-token controllers, and each
 * simulated DPU joins it with the kubeadm join its flashed bf.cfg carries
 * (sim/dpu). Nothing else is faked.
 */
import { waitFor } from '../support/wait-for';
import { workerLoopback } from '../support/worker-loopback';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import * as k8s from '@kubernetes/client-node';
import { startControllers, type RunningControllers } from '../../controllers/manager';
import { Kube } from '../../platform/kube/client';
import type { DpuResource } from '../../model/resources/common';
import type { ProvisionTiming } from '../../model/dpu';
import { startBfbServer, type BfbServer } from '../../sim/bfb-server';
import { startSimFleet, type SimFleet } from '../../sim/fleet';
import { freePort, freePortBelowEphemeral } from '../../sim/free-port';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import { captureHistory } from '../support/history-capture';
import {
  createHostNode,
  installCrds,
  KubeApiservers,
  playKubelets,
  registerDpuCluster,
  type KubeCluster,
  type PlayedKubelets,
} from '../../sim/kube';
import { startDpuClusterJoins, type DpuClusterJoins } from '../../sim/dpu';
import { logTails, timestampedLog } from '../support/log-tails';
import { PCI_LABEL_PREFIX, pciToLabelValue } from '../../model/resources/pci-labels';
import { startControlWorker, startFleetHostWorkers } from '../support/polling-workers';
import { startRealHostNode } from './real-host-node';
import { tearDown } from '../support/tear-down';
import type { RealNode } from '../support/real-node';

export const NS = 'xpuflow-test';

/**
 * How often the host workers' node discovery scans their simulated sysfs after the
 * first pass (at start, which labels the Node hosts() waits for). No harness test
 * changes a card after that; each pass is a GET of the Node, and at 0.5 s eleven
 * hosts cost a fifth of a core for a whole file.
 */
export const DISCOVERY_INTERVAL_SECONDS = 5;

export const TIMING = {
  expectedFlashSeconds: 2,
  pollInitialSeconds: 1,
  pollMaxSeconds: 1,
  rebootDelaySeconds: 1,
  hostScheduleToStartSeconds: 20,
};

/**
 * A Temporal the harness does not own (e.g. test/support/temporal-cluster.ts): what the worker
 * processes get in their environment (address, namespace, TLS, codec keys) and the test's client.
 */
export interface ExternalTemporal {
  env: NodeJS.ProcessEnv;
  connect(): Promise<Client>;
}

/** What hosts() takes besides the group's name, size and labels. */
export interface HostsOptions {
  flashMs?: number;
  rebootMs?: number;
  realNode?: boolean;
  /** The serial in each host's DPU VPD, which node discovery records (BMC discovery matches it). */
  vpdSerial?: (h: number) => string;
}

/** One group of hostGroups(): what hosts() takes as its first three arguments. */
export interface HostGroup {
  prefix: string;
  count: number;
  labels: Record<string, string>;
}

export class KubeHarness {
  readonly apis = new KubeApiservers();
  readonly temporal = new DevServer();
  /** `external`: run the workers and controllers on that Temporal instead of a dev server of its own. */
  constructor(private readonly external?: ExternalTemporal) {}
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-kube-e2e-'));
  host!: KubeCluster;
  dpuCluster!: KubeCluster;
  kube!: Kube;
  dpuKube!: Kube;
  client!: Client;
  bfb!: BfbServer;
  dmsBasePort = 0;
  /** The control worker's Prometheus port (its /metrics carries the rollout-progress gauge). */
  metricsPort = 0;
  /** The control worker's image server (`host:port`, XPUFLOW_IMAGE_SERVER): BFB + bf.cfg for BMCs. */
  imageServer = '';
  controllers?: RunningControllers;
  private workers: WorkerProcess[] = [];
  private fleets: SimFleet[] = [];
  private kubelets?: PlayedKubelets;
  /** Hosts with a real kubelet (hosts(..., { realNode: true })): the played kubelets leave their pods alone. */
  private readonly realNodes = new Set<string>();
  private realHostNodes: RealNode[] = [];
  /** The DPUs' joins to the DPU cluster: the last outcome per DMS address. */
  joins?: DpuClusterJoins;
  readonly dpuEvents: Array<{ at: number; name: string; phase: string; ready: boolean; generation: number }> =
    [];
  /** The watches watchObjects() started, ended at dispose. */
  private readonly watches: Array<{ abort(): void }> = [];
  private disposed = false;

  /**
   * Starts what mostly waits on its own process side by side: the Temporal
   * dev server with the apiservers, then the control worker while the CRDs
   * are installed (it reads no object before a flow asks it to).
   */
  async start(): Promise<void> {
    [[this.host, this.dpuCluster]] = await Promise.all([
      this.apis.start(['host', 'dpu']),
      this.external ? undefined : this.temporal.start(),
    ]);
    this.kube = new Kube(this.host.kc);
    this.dpuKube = new Kube(this.dpuCluster.kc);
    await Promise.all([this.setUpHostCluster(), this.startControlWorker()]);
    this.kubelets = playKubelets(this.kube, 5000, this.realNodes);
    this.joins = await startDpuClusterJoins(this.dpuCluster, this.dir, () =>
      this.fleets.flatMap((f) => f.dpus.map((d) => d.dms)),
    );
    await this.watchDpus();
  }

  private async setUpHostCluster(): Promise<void> {
    await installCrds(this.host.kc);
    await this.kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await registerDpuCluster(this.kube, NS, 'dpu-cluster', this.dpuCluster);
    this.bfb = await startBfbServer({
      files: [
        { name: 'bf-bundle-2.9.1.bfb', sizeBytes: 2 * 2 ** 20 },
        { name: 'bf-bundle-2.9.2.bfb', sizeBytes: 2 * 2 ** 20 },
      ],
    });
    // Below the ephemeral range: the DMS simulators bind it minutes later, on each host's address.
    // Two ports: dpu-retry.test.ts also uses the next one.
    this.dmsBasePort = await freePortBelowEphemeral(2);
  }

  private async startControlWorker(): Promise<void> {
    this.client = this.external
      ? await this.external.connect()
      : new Client({
          connection: await Connection.connect({ address: this.temporal.address }),
          namespace: 'default',
        });
    this.metricsPort = await freePort();
    this.imageServer = `127.0.0.1:${await freePort()}`;
    await startControlWorker(this.client, {
      dir: this.dir,
      env: {
        ...this.temporalEnv,
        XPUFLOW_KUBECONFIG: this.host.kubeconfigPath,
        XPUFLOW_METRICS_ADDRESS: `127.0.0.1:${this.metricsPort}`,
        XPUFLOW_IMAGE_SERVER: this.imageServer,
      },
      started: (w) => this.workers.push(w),
    });
  }

  /** The worker processes this harness started (control and host workers), e.g. to find one by pid. */
  processes(): WorkerProcess[] {
    return [...this.workers];
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}/metrics`;
  }

  get temporalEnv(): NodeJS.ProcessEnv {
    if (this.external) return this.external.env;
    return { TEMPORAL_ADDRESS: this.temporal.address, TEMPORAL_NAMESPACE: 'default' };
  }

  /** `tighter`: shorter waits for a file whose tests fail on purpose (e.g. a reboot timeout of seconds). */
  async startControllers(
    tighter: { timing?: Partial<ProvisionTiming>; readyTimeoutSeconds?: number } = {},
  ): Promise<void> {
    this.controllers = await startControllers({
      kc: this.host.kc,
      temporal: this.client,
      namespace: NS,
      dmsBasePort: this.dmsBasePort,
      dmsImage: 'xpuflow-dms:test',
      workflowUrlBase: this.external
        ? undefined
        : `http://127.0.0.1:${this.temporal.uiPort}/namespaces/default/workflows/`,
      timing: { ...TIMING, ...tighter.timing },
      readyTimeoutSeconds: tighter.readyTimeoutSeconds ?? 60,
      settleTimeoutSeconds: 120,
      log: timestampedLog(path.join(this.dir, 'controller.log')),
    });
  }

  async stopControllers(): Promise<void> {
    await this.controllers?.stop();
    this.controllers = undefined;
  }

  /**
   * Hosts with one DPU each: a sysfs tree and host worker per host, a DMS
   * simulator on the node's own loopback address, and a Node object whose
   * DPU label the host worker's node discovery writes from the sysfs tree.
   */
  async hosts(
    prefix: string,
    count: number,
    labels: Record<string, string>,
    opts: HostsOptions = {},
  ): Promise<SimFleet> {
    const [fleet] = await this.hostGroups([{ prefix, count, labels, ...opts }]);
    return fleet;
  }

  /**
   * Several groups of hosts (each as hosts() makes it: its own fleet, flash and
   * reboot times, labels) whose host workers run in one process: a host-workers
   * process costs about 1.2 CPU-s to start (Node, the Temporal runtime) before
   * the ~0.4 CPU-s of each placement, so a file that needs several groups
   * starts them together in its beforeAll instead of one process per test.
   */
  async hostGroups(groups: Array<HostsOptions & HostGroup>): Promise<SimFleet[]> {
    const fleets: SimFleet[] = [];
    for (const g of groups) fleets.push(await this.startFleet(g));
    // The host workers' node discovery labels each Node with its DPU's PCI address.
    await startFleetHostWorkers(
      this.client,
      { hosts: fleets.flatMap((f) => f.hosts) },
      {
        logFile: path.join(this.dir, `${groups.map((g) => g.prefix).join('-')}-hosts.log`),
        env: { ...this.temporalEnv, XPUFLOW_KUBECONFIG: this.host.kubeconfigPath },
        started: (w) => this.workers.push(w),
        discovery: { intervalSeconds: DISCOVERY_INTERVAL_SECONDS },
      },
    );
    const label = `${PCI_LABEL_PREFIX}0`;
    for (const fleet of fleets)
      for (const [i, h] of fleet.hosts.entries()) {
        await this.waitFor(`node discovery labels ${h.node} ${label}`, async () => {
          const node = await this.kube.getNode(h.node);
          return node?.metadata?.labels?.[label] === pciToLabelValue(fleet.dpus[i].spec.pciAddress);
        });
      }
    return fleets;
  }

  /** One group's simulated hosts and their Node objects (or real node), without host workers. */
  private async startFleet(g: HostsOptions & HostGroup): Promise<SimFleet> {
    const { prefix, count, labels } = g;
    if (g.realNode && count !== 1)
      throw new Error(`hosts ${prefix}: a real node is one host (asked ${count})`);
    const octet = 10 + this.fleets.length;
    const net = workerLoopback(); // not another jest worker's simulators, on a port it may have picked too
    const fleet = await startSimFleet({
      dir: path.join(this.dir, prefix),
      prefix: `${prefix}-`,
      hosts: count,
      dpusPerHost: 1,
      flashMs: g.flashMs ?? 1500,
      rebootMs: g.rebootMs ?? 500,
      bfbSizeBytes: 1024,
      dmsListen: (h) => ({ host: `${net}.${octet}.${h + 1}`, port: this.dmsBasePort }),
      ...(g.vpdSerial ? { vpdSerial: g.vpdSerial } : {}),
    });
    this.fleets.push(fleet);
    for (const [i, h] of fleet.hosts.entries()) {
      if (g.realNode) {
        this.realNodes.add(h.node);
        this.realHostNodes.push(await startRealHostNode(this.host, h.node));
        if (Object.keys(labels).length) await this.kube.patchNode(h.node, { metadata: { labels } });
      } else {
        await createHostNode(this.kube, h.node, `${net}.${octet}.${i + 1}`, labels);
      }
    }
    return fleet;
  }

  async createBfb(name: string, file: string, sha256?: string): Promise<void> {
    await this.kube.create('BFB', NS, {
      metadata: { name },
      spec: { url: this.bfb.url(file), sha256: sha256 ?? this.bfb.sha256(file) },
    });
  }

  dpu(name: string): Promise<DpuResource | undefined> {
    return this.kube.get<DpuResource>('DPU', { namespace: NS, name });
  }

  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
    return waitFor(what, probe, {
      timeoutMs,
      everyMs: 300,
      explain: async () => `${await this.describeDpus()}\n${this.logs()}`,
    });
  }

  async events(name: string): Promise<k8s.CoreV1Event[]> {
    const list = await this.kube.core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items;
  }

  /** Workflow IDs of a type, from visibility. */
  async workflowIds(type: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const w of this.client.workflow.list({ query: `WorkflowType = '${type}'` }))
      ids.push(w.workflowId);
    return ids;
  }

  /**
   * Runs of a type, from visibility, as `<workflow id> <run id>`. Where a schedule starts the runs, two
   * started within one second share a workflow ID (the scheduler appends the nominal time in RFC 3339,
   * seconds: temporalio/temporal service/worker/scheduler/workflow.go @c01fd648, startWorkflow), so a new run is
   * told by its run ID.
   */
  async workflowRuns(type: string): Promise<string[]> {
    const runs: string[] = [];
    for await (const w of this.client.workflow.list({ query: `WorkflowType = '${type}'` }))
      runs.push(`${w.workflowId} ${w.runId}`);
    return runs;
  }

  /** Records every DPU status change, to check what was down at every moment. */
  private async watchDpus(): Promise<void> {
    await this.watchObjects<DpuResource>('dpus', (obj) => {
      const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
      this.dpuEvents.push({
        at: Date.now(),
        name: obj.metadata.name,
        phase: obj.status?.phase ?? '',
        ready:
          ready?.status === 'True' && (obj.status?.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0),
        generation: obj.metadata.generation ?? 0,
      });
    });
  }

  /**
   * Calls onObject with every version of the namespace's objects of one kind of
   * provisioning.xpuflow.dev (plural: `dpus`, `dpudeployments`) from now on, each
   * write included, however short-lived: a status a poll would miss is seen. A
   * dropped watch is restarted from the last resourceVersion it delivered, so
   * nothing in between is lost; when the API server no longer has that version
   * (an ERROR event, 410 Gone), from now, every object delivered again. Stop it
   * with abort().
   */
  async watchObjects<T extends { metadata: { resourceVersion?: string } }>(
    plural: string,
    onObject: (obj: T) => void,
  ): Promise<{ abort(): void }> {
    let current: { abort(): void } | undefined;
    let stopped = false;
    let resourceVersion: string | undefined;
    const start = async (): Promise<void> => {
      if (stopped || this.disposed) return;
      current = await new k8s.Watch(this.host.kc).watch(
        `/apis/provisioning.xpuflow.dev/v1alpha1/namespaces/${NS}/${plural}`,
        resourceVersion ? { resourceVersion } : {},
        (type, obj: T) => {
          // An ERROR event carries a Status, not an object: the restart below starts afresh.
          if (type === 'ERROR') {
            resourceVersion = undefined;
            return;
          }
          resourceVersion = obj.metadata.resourceVersion ?? resourceVersion;
          onObject(obj);
        },
        () => {
          if (!stopped && !this.disposed)
            setTimeout(
              () =>
                void start().catch((err: unknown) => {
                  // Disposed meanwhile (the API server stopping): expected. Otherwise the record stops here: say so.
                  if (!stopped && !this.disposed)
                    console.warn(
                      `kube harness: the ${plural} watch did not restart: ${(err as Error).message}`,
                    );
                }),
              300,
            );
        },
      );
    };
    await start();
    const handle = {
      abort: () => {
        stopped = true;
        current?.abort();
      },
    };
    this.watches.push(handle);
    return handle;
  }

  /** Saves a run's history under test/histories/ when XPUFLOW_WRITE_HISTORIES=1. */
  captureHistory(workflowId: string, fileName: string): void {
    captureHistory(this.temporal.address, workflowId, fileName);
  }

  /** Each DPU's phase and message, for failure messages. */
  async describeDpus(): Promise<string> {
    try {
      const dpus = await this.kube.list<DpuResource>('DPU', NS);
      return dpus
        .map(
          (d) =>
            `DPU ${d.metadata.name} gen ${d.metadata.generation} bfb ${d.spec.bfb}: ${d.status?.phase ?? '-'} (observed ${d.status?.observedGeneration ?? '-'}) ${d.status?.message ?? ''}`,
        )
        .join('\n');
    } catch (err) {
      return `(cannot list DPUs: ${String(err)})`;
    }
  }

  logs(): string {
    return logTails(this.dir, 2500);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await tearDown('the kube harness', [
      ['the played kubelets', () => this.kubelets?.stop()],
      ['the played DPU joins', () => this.joins?.stop()],
      ['the watches', () => this.watches.forEach((w) => w.abort())],
      ['the controllers', () => this.stopControllers()],
      ['the workers', () => Promise.all(this.workers.map((w) => w.stop(5_000)))],
      ['the simulated fleets', () => Promise.all(this.fleets.map((f) => f.stop()))],
      ...this.realHostNodes.map((n) => [`real node ${n.name}`, () => n.stop()] as const),
      ['the BFB server', () => this.bfb?.stop()],
      ['the Temporal client', () => this.client?.connection.close()],
      // Never started with an external Temporal: removes its directory.
      ['the dev server', () => this.temporal.dispose()],
      ['the API servers', () => this.apis.stop()],
      ['the harness folder', () => fs.rmSync(this.dir, { recursive: true, force: true })],
    ]);
  }
}
