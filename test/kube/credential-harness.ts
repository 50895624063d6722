/**
 * The credential request end-to-end harness, modelled on kube-harness.ts:
 * real kube-apiservers (host cluster and a DPU cluster) with xpuflow's CRDs,
 * a DPUCluster and its kubeconfig Secret, a real Temporal dev server, the
 * control worker as a child process (XPUFLOW_KUBECONFIG and the codec keys)
 * and the controllers in the test process. Nothing is faked.
 */
import { waitFor } from '../support/wait-for';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { codecDataConverter, CODEC_KEYS_ENV } from '../../platform/codec';
import { startControllers, type RunningControllers } from '../../controllers/manager';
import { Kube } from '../../platform/kube/client';
import { installCrds, KubeApiservers, registerDpuCluster, type KubeCluster } from '../../sim/kube';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import { DevServer } from '../support/dev-server';
import { logTails, timestampedLog } from '../support/log-tails';
import { startControlWorker } from '../support/polling-workers';
import { freePort } from '../../sim/free-port';

export const NS = 'xpuflow-creds';
/** Namespaces of the services in each cluster. */
export const DPU_SERVICES = 'dpu-services';
export const HOST_SERVICES = 'host-services';

export class CredentialHarness {
  readonly apis = new KubeApiservers();
  readonly temporal = new DevServer();
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-cred-e2e-'));
  host!: KubeCluster;
  dpuCluster!: KubeCluster;
  kube!: Kube;
  dpuKube!: Kube;
  client!: Client;
  private worker?: WorkerProcess;
  private controllers?: RunningControllers;

  /** The control worker's /metrics (the credential issue counters). */
  metricsUrl = '';

  async start(): Promise<void> {
    const keys = path.join(this.dir, 'codec-keys.json');
    fs.writeFileSync(keys, JSON.stringify({ keys: { k1: crypto.randomBytes(32).toString('base64') } }));
    // The Temporal dev server starts beside the apiservers: each mostly waits on its own process.
    [[this.host, this.dpuCluster]] = await Promise.all([
      this.apis.start(['host', 'dpu']),
      this.temporal.start(),
    ]);
    this.kube = new Kube(this.host.kc);
    this.dpuKube = new Kube(this.dpuCluster.kc);
    await installCrds(this.host.kc);
    for (const name of [NS, HOST_SERVICES])
      await this.kube.core.createNamespace({ body: { metadata: { name } } });
    await this.dpuKube.core.createNamespace({ body: { metadata: { name: DPU_SERVICES } } });
    await registerDpuCluster(this.kube, NS, 'dpu-cluster', this.dpuCluster);
    this.client = new Client({
      connection: await Connection.connect({ address: this.temporal.address }),
      namespace: 'default',
      dataConverter: codecDataConverter({ [CODEC_KEYS_ENV]: keys }),
    });
    this.metricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
    await startControlWorker(this.client, {
      dir: this.dir,
      env: {
        XPUFLOW_METRICS_ADDRESS: new URL(this.metricsUrl).host,
        TEMPORAL_ADDRESS: this.temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        XPUFLOW_KUBECONFIG: this.host.kubeconfigPath,
        [CODEC_KEYS_ENV]: keys,
      },
      started: (w) => (this.worker = w),
    });
    this.controllers = await startControllers({
      kc: this.host.kc,
      temporal: this.client,
      namespace: NS,
      log: timestampedLog(path.join(this.dir, 'controller.log')),
    });
  }

  /** A client of a cluster that authenticates with nothing but this token. */
  clientWith(cluster: KubeCluster, token: string): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: cluster.url,
          caData: cluster.kc.getCurrentCluster()!.caData!,
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    return kc;
  }

  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
    return waitFor(what, probe, { timeoutMs, explain: () => logTails(this.dir, 2500) });
  }

  async dispose(): Promise<void> {
    await this.controllers?.stop();
    await this.worker?.stop(5_000);
    await this.client?.connection.close();
    await this.temporal.dispose();
    await this.apis.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Who the API server takes this client for (SelfSubjectReview), or the HTTP status it refused with. */
export async function whoAmI(kc: k8s.KubeConfig): Promise<string | number | undefined> {
  try {
    const r = await kc.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    return r.status?.userInfo?.username;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}
