/**
 * A `kamaji` DPUCluster against real kube-apiservers, from nothing to Ready
 * and deleted. The host API server serves Kamaji's real TenantControlPlane
 * CRD and the test plays Kamaji's controller (sim/kamaji): it writes the
 * TenantControlPlane's status and an admin kubeconfig pointing at a second,
 * real kube-apiserver — the DPU cluster — that a DPU then joins through the
 * kubeconfig Secret xpuflow wrote. The controllers run in the test process,
 * the control worker (the dpuCluster workflow and its activities) as a child
 * process against a Temporal dev server; nothing of xpuflow is faked.
 * maxNodes holds a second DPU back with a condition naming the cluster and
 * the limit; deleting the cluster is refused while DPUs name it, and once
 * none does it goes with everything it made.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { renderBfCfg } from '../../activities/bfb';
import { dpuClusterOf } from '../../activities/kube/dpu-cluster-client';
import { joinTokenActivity } from '../../activities/kube/dpu-cluster-join-token';
import { readJoinMaterial } from '../../activities/kube/dpu-cluster-join-material';
import { startControllers, type RunningControllers } from '../../controllers/manager';
import type { DpuSpec } from '../../model/dpu';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import {
  DPU_FINALIZER,
  DPU_NODE_LABEL,
  HOST_NODE_LABEL,
  type DpuClusterResource,
  type DpuResource,
} from '../../model/resources/common';
import { codecDataConverter, CODEC_KEYS_ENV } from '../../platform/codec';
import { Kube } from '../../platform/kube/client';
import type { WorkerProcess } from '../../cli/demo/worker-processes';
import { kubeadmJoin, parseBfCfgJoin } from '../../sim/dpu';
import { installKamajiCrd, PlayedKamaji } from '../../sim/kamaji';
import { installCrds, KubeApiservers, type KubeCluster } from '../../sim/kube';
import { setUpKubeadmBootstrap } from '../../sim/kube/kubeadm-bootstrap';
import { startControllerManager, type RunningControllerManager } from '../../sim/kube/controller-manager';
import { DevServer } from '../support/dev-server';
import { captureDecodedHistory } from '../support/history-capture';
import { logTails, timestampedLog } from '../support/log-tails';
import { startControlWorker } from '../support/polling-workers';
import { waitFor } from '../support/wait-for';

jest.setTimeout(120_000);

const NS = 'xpuflow-kamaji';
const CLUSTER = 'dpu-cluster';
const VIP = '192.0.2.10';
const apis = new KubeApiservers();
const temporal = new DevServer();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-kamaji-'));
let hostCluster: KubeCluster;
let dpuCluster: KubeCluster;
let host: Kube;
let dpuKube: Kube;
let kamaji: PlayedKamaji;
let client: Client;
let worker: WorkerProcess | undefined;
let controllers: RunningControllers | undefined;
let kcm: RunningControllerManager | undefined;

beforeAll(async () => {
  const keys = path.join(dir, 'codec-keys.json');
  fs.writeFileSync(keys, JSON.stringify({ keys: { k1: crypto.randomBytes(32).toString('base64') } }));
  [[hostCluster, dpuCluster]] = await Promise.all([apis.start(['host', 'dpu']), temporal.start()]);
  host = new Kube(hostCluster.kc);
  dpuKube = new Kube(dpuCluster.kc);
  kamaji = new PlayedKamaji(hostCluster.kc);
  client = new Client({
    connection: await Connection.connect({ address: temporal.address }),
    namespace: 'default',
    dataConverter: codecDataConverter({ [CODEC_KEYS_ENV]: keys }),
  });
  // Each mostly waits on its own process: the host's CRDs, the DPU cluster's bootstrap and
  // kube-controller-manager, and the control worker start side by side.
  await Promise.all([
    (async () => {
      await Promise.all([installCrds(hostCluster.kc), installKamajiCrd(hostCluster.kc)]);
      await host.core.createNamespace({ body: { metadata: { name: NS } } });
    })(),
    (async () => {
      await setUpKubeadmBootstrap(dpuCluster);
      kcm = startControllerManager(dpuCluster, dir);
    })(),
    startControlWorker(client, {
      dir,
      env: {
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        XPUFLOW_KUBECONFIG: hostCluster.kubeconfigPath,
        [CODEC_KEYS_ENV]: keys,
      },
      started: (w) => (worker = w),
    }),
  ]);
  controllers = await startControllers({
    kc: hostCluster.kc,
    temporal: client,
    namespace: NS,
    log: timestampedLog(path.join(dir, 'controller.log')),
  });
});

afterAll(async () => {
  await controllers?.stop();
  await worker?.stop(5_000);
  await client?.connection.close();
  await kcm?.stop();
  await temporal.dispose();
  await apis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000) =>
  waitFor(what, probe, { timeoutMs, explain: () => logTails(dir, 2500) });
const cluster = () => host.get<DpuClusterResource>('DPUCluster', { namespace: NS, name: CLUSTER });
const dpu = (name: string) => host.get<DpuResource>('DPU', { namespace: NS, name });
const condition = (c: DpuClusterResource | DpuResource | undefined, type: string) =>
  c?.status?.conditions?.find((x) => x.type === type);
const apps = () => hostCluster.kc.makeApiClient(k8s.AppsV1Api);
const gone = async (read: () => Promise<unknown>) =>
  read().then(
    () => false,
    (err: unknown) => (err as { code?: number }).code === 404,
  );

test('CEL names the field a kamaji or static DPUCluster is missing', async () => {
  const refused = async (spec: object) =>
    host.create('DPUCluster', NS, { metadata: { name: 'bad' }, spec }).then(
      () => 'accepted',
      (err: unknown) => String((err as { body?: unknown }).body ?? err),
    );
  expect(await refused({ type: 'kamaji' })).toContain('spec.kamaji is required for type kamaji');
  expect(await refused({ type: 'static' })).toContain('spec.kubeconfigSecret is required for type static');
  expect(await refused({ kubeconfigSecret: { name: 'x' }, kamaji: { version: 'v1.31.2' } })).toContain(
    'spec.kamaji is set but spec.type is static',
  );
  expect(await refused({ type: 'kamaji', kamaji: { version: '1.31' } })).toContain('spec.kamaji.version');
  expect(
    await refused({
      type: 'kamaji',
      kamaji: { version: 'v1.31.2', keepalived: { vip: 'not-an-ip', virtualRouterID: 1, interface: 'eth0' } },
    }),
  ).toContain('spec.kamaji.keepalived.vip must be an IP address');
});

test('a kamaji DPUCluster goes from nothing to Ready: TenantControlPlane, NodePort Service and keepalived made, Ready once Kamaji is, kubeconfig Secret written', async () => {
  await host.create('DPUCluster', NS, {
    metadata: { name: CLUSTER },
    spec: {
      type: 'kamaji',
      maxNodes: 1,
      kamaji: { version: 'v1.31.2', keepalived: { vip: VIP, virtualRouterID: 51, interface: 'eth0' } },
    },
  });
  const tcp = await until('the TenantControlPlane', () => kamaji.get(NS, CLUSTER));
  const svc = await host.core.readNamespacedService({ namespace: NS, name: CLUSTER });
  const nodePort = svc.spec?.ports?.find((p) => p.name === 'kube-apiserver')?.nodePort;
  expect(svc.spec?.type).toBe('NodePort');
  expect(nodePort).toBeGreaterThan(0);
  expect(tcp.spec).toMatchObject({
    controlPlane: { service: { serviceType: 'NodePort' } },
    kubernetes: { version: 'v1.31.2' },
    networkProfile: { address: VIP, port: nodePort },
  });
  const ds = await until('the keepalived DaemonSet', () =>
    apps().readNamespacedDaemonSet({ namespace: NS, name: `${CLUSTER}-keepalived` }),
  );
  const env = ds.spec?.template.spec?.initContainers?.[0].env ?? [];
  expect(env).toEqual(
    expect.arrayContaining([
      { name: 'VIRTUAL_IP', value: VIP },
      { name: 'NODE_PORT', value: String(nodePort) },
    ]),
  );
  await host.core.readNamespacedConfigMap({ namespace: NS, name: `${CLUSTER}-keepalived` });

  await until('DPUCluster Creating, waiting for Kamaji', async () => {
    const c = await cluster();
    return (
      c?.status?.phase === 'Creating' &&
      condition(c, 'ControlPlaneReady')?.reason === 'WaitingForControlPlane'
    );
  });
  await kamaji.report(NS, CLUSTER, 'Provisioning');
  // A control plane still provisioning is not Ready (the workflow polls on durable timers, a few seconds apart).
  await new Promise((r) => setTimeout(r, 3_000));
  expect((await cluster())?.status?.phase).toBe('Creating');
  expect(await host.getSecret(NS, `${CLUSTER}-kubeconfig`)).toBeUndefined();

  await kamaji.ready(NS, CLUSTER, dpuCluster);
  const ready = await until(
    'DPUCluster Ready and reachable',
    async () => {
      const c = await cluster();
      return c?.status?.phase === 'Ready' && condition(c, 'Reachable')?.status === 'True' && c;
    },
    45_000,
  );
  expect(condition(ready, 'ControlPlaneReady')).toMatchObject({
    status: 'True',
    reason: 'ControlPlaneReady',
  });
  expect(condition(ready, 'Reachable')?.message).toContain(dpuCluster.url);
  // The control plane is made once: its version cannot be edited afterwards.
  const edit = await host
    .patch('DPUCluster', { namespace: NS, name: CLUSTER }, { spec: { kamaji: { version: 'v1.32.0' } } })
    .then(
      () => 'accepted',
      (err: unknown) => String((err as { body?: unknown }).body ?? err),
    );
  expect(edit).toContain('spec.kamaji.version cannot change');
  const secret = await host.getSecret(NS, `${CLUSTER}-kubeconfig`);
  expect(Buffer.from(secret!.data!.kubeconfig, 'base64').toString()).toBe(dpuCluster.kubeconfigYaml);
});

function dpuObject(name: string) {
  return {
    metadata: { name },
    spec: { nodeName: 'host-1', pciAddress: '0000:03:00.0', bfb: 'no-such-bfb', cluster: { name: CLUSTER } },
  };
}

test('a DPU joins the DPU cluster through the kubeconfig xpuflow wrote; a second DPU waits for a seat under maxNodes 1', async () => {
  await host.create('DPU', NS, dpuObject('dpu-0'));
  await new Promise((r) => setTimeout(r, 50)); // creation order decides the seats
  await host.create('DPU', NS, dpuObject('dpu-1'));
  const full = await until('dpu-1 waiting for a seat', async () => {
    const d = await dpu('dpu-1');
    return condition(d, 'Ready')?.reason === 'DpuClusterFull' && d;
  });
  expect(full.status?.message).toBe(
    `DPUCluster ${NS}/${CLUSTER} is full: maxNodes is 1 and dpu-0 hold its seats; waiting for one of them to be deleted, or raise spec.maxNodes`,
  );
  // dpu-0 has the seat: it goes on to wait for what it lacks, its BFB.
  await until(
    'dpu-0 past the seat check',
    async () => condition(await dpu('dpu-0'), 'Ready')?.reason === 'BFBNotFound',
  );

  // dpu-0 joins with the bf.cfg xpuflow renders from the DPUCluster's kubeconfig Secret.
  const s: DpuSpec = {
    name: 'dpu-0',
    node: 'host-1',
    pciAddress: '0000:03:00.0',
    bfb: { url: 'http://bfb.local/bf-bundle.bfb', sha256: 'a'.repeat(64) },
    dmsAddress: '127.0.0.1:9339',
    numVfs: 0,
    automaticReboot: true,
    kube: {
      ref: { namespace: NS, name: 'dpu-0' },
      generation: 1,
      dmsPort: 9339,
      dmsImage: 'dms:test',
      cluster: { name: CLUSTER },
    },
  };
  const input = { cluster: { namespace: NS, name: CLUSTER }, dpuNode: dpuClusterNodeName(NS, 'dpu-0') };
  const { tokenId } = await joinTokenActivity(dpuClusterOf(() => host)).createJoinToken(input);
  const m = await readJoinMaterial(host, input);
  const labels = { [DPU_NODE_LABEL]: m.nodeName, [HOST_NODE_LABEL]: s.node };
  const args = parseBfCfgJoin(renderBfCfg(s, { ...m, nodeLabels: labels }).content)!;
  await waitFor(
    `cluster-info signed for token ${tokenId}`,
    async () =>
      (await dpuKube.core.readNamespacedConfigMap({ namespace: 'kube-public', name: 'cluster-info' })).data?.[
        `jws-kubeconfig-${tokenId}`
      ] !== undefined,
    { timeoutMs: 30_000, explain: () => kcm!.log() },
  );
  const joined = await kubeadmJoin(args);
  expect(joined.username).toBe(`system:node:dpu-0.${NS}`);
  expect((await dpuKube.getNode(`dpu-0.${NS}`))?.metadata?.labels?.[HOST_NODE_LABEL]).toBe('host-1');
});

/** Deletes a DPU. No host worker runs here, so nothing ever ran for it: the test lets its finalizer go. */
async function deleteDpu(name: string): Promise<void> {
  await host.delete('DPU', { namespace: NS, name });
  await until(`DPU ${name} deleting`, async () => (await dpu(name))?.metadata.deletionTimestamp);
  const d = await dpu(name);
  const i = d?.metadata.finalizers?.indexOf(DPU_FINALIZER) ?? -1;
  if (i >= 0)
    await host.jsonPatch('DPU', { namespace: NS, name }, [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: DPU_FINALIZER },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ]);
  await until(`DPU ${name} gone`, async () => !(await dpu(name)));
}

test('deleting the DPUCluster is refused while DPUs name it; once none does, it goes with its TenantControlPlane, load balancer, Service and Secret', async () => {
  await host.delete('DPUCluster', { namespace: NS, name: CLUSTER });
  const blocked = await until('deletion blocked, naming both DPUs', async () => {
    const c = await cluster();
    return condition(c, 'DeletionBlocked')?.message.includes('dpu-0, dpu-1') && c;
  });
  expect(condition(blocked, 'DeletionBlocked')?.reason).toBe('DpusRemain');
  expect(await kamaji.get(NS, CLUSTER)).toBeDefined();

  // dpu-0 goes: dpu-1 takes the freed seat, and the cluster still waits for it.
  await deleteDpu('dpu-0');
  await until('dpu-1 seated', async () => condition(await dpu('dpu-1'), 'Ready')?.reason === 'BFBNotFound');
  await until('deletion blocked by dpu-1 alone', async () =>
    /while DPUs name it in spec.cluster.name: dpu-1;/.test(
      condition(await cluster(), 'DeletionBlocked')?.message ?? '',
    ),
  );
  expect(await kamaji.get(NS, CLUSTER)).toBeDefined();

  await deleteDpu('dpu-1');
  await until('the DPUCluster gone', async () => !(await cluster()), 45_000);
  expect(await kamaji.get(NS, CLUSTER)).toBeUndefined();
  expect(await gone(() => host.core.readNamespacedService({ namespace: NS, name: CLUSTER }))).toBe(true);
  expect(
    await gone(() => apps().readNamespacedDaemonSet({ namespace: NS, name: `${CLUSTER}-keepalived` })),
  ).toBe(true);
  expect(
    await gone(() => host.core.readNamespacedConfigMap({ namespace: NS, name: `${CLUSTER}-keepalived` })),
  ).toBe(true);
  expect(await host.getSecret(NS, `${CLUSTER}-kubeconfig`)).toBeUndefined();

  // The cluster's workflow is two runs: made to Ready until the delete (continueAsNew), then the removal.
  const runs = await until('both runs of the dpuCluster workflow listed as closed', async () => {
    const seen: { workflowId: string; runId: string; startTime: Date; status: string }[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowType = 'dpuCluster'` }))
      seen.push({ workflowId: w.workflowId, runId: w.runId, startTime: w.startTime, status: w.status.name });
    seen.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    return seen.map((r) => r.status).join() === 'CONTINUED_AS_NEW,COMPLETED' && seen;
  });
  const codec = client.options.dataConverter.payloadCodecs?.[0];
  if (!codec)
    throw new Error(`the test's client has no payload codec: it is made with ${CODEC_KEYS_ENV} set`);
  for (const [run, file] of [
    [runs[0], 'dpu-cluster-kamaji-ready.json'],
    [runs[1], 'dpu-cluster-kamaji-deleted.json'],
  ] as const)
    await captureDecodedHistory(temporal.address, run.workflowId, file, { codec, runId: run.runId });
});
