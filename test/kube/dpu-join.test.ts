/**
 * The DPU's join, against real kube-apiservers (bootstrap-token auth, the
 * Node authorizer, NodeRestriction, kubeadm's joining RBAC) and the real
 * kube-controller-manager approving and signing node CSRs: the bf.cfg is
 * rendered by the production code from the DPUCluster's kubeconfig and the
 * token Secret, and the simulated DPU joins with only that file. A good token
 * joins as system:node:<name>; a wrong, expired or deleted token is refused
 * by the API server (401) and the DPU stays out. DPUs with the same name in
 * two namespaces are two nodes.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { renderBfCfg } from '../../activities/bfb';
import { dpuClusterOf } from '../../activities/kube/dpu-cluster-client';
import { joinTokenActivity } from '../../activities/kube/dpu-cluster-join-token';
import { readJoinMaterial } from '../../activities/kube/dpu-cluster-join-material';
import { removeFromClusterActivity } from '../../activities/kube/dpu-cluster-remove';
import {
  NODE_LOOK_SECONDS,
  nodeReadyActivity,
  TOKEN_LOOK_MS,
} from '../../activities/kube/dpu-cluster-node-ready';
import { WATCH_REFRESH_MS } from '../../activities/kube/object-watch';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { DpuClusterInput } from '../../activities/kube';
import type { DpuSpec } from '../../model/dpu';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { DPU_NODE_LABEL, HOST_NODE_LABEL } from '../../model/resources/common';
import { Kube, statusCode } from '../../platform/kube/client';
import { JoinRefused, kubeadmJoin, parseBfCfgJoin, type KubeadmJoinArgs } from '../../sim/dpu';
import { installCrds, KubeApiservers, registerDpuCluster, type KubeCluster } from '../../sim/kube';
import { setUpKubeadmBootstrap } from '../../sim/kube/kubeadm-bootstrap';
import { startControllerManager, type RunningControllerManager } from '../../sim/kube/controller-manager';
import { waitFor } from '../support/wait-for';

jest.setTimeout(180_000);

const apis = new KubeApiservers();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-dpu-join-'));
let host: Kube;
let dpu: KubeCluster;
let dpuKube: Kube;
let kcm: RunningControllerManager;
const NAMESPACES = ['team-a', 'team-b'];

beforeAll(async () => {
  const [h, d] = await apis.start(['host', 'dpu']);
  dpu = d;
  host = new Kube(h.kc);
  dpuKube = new Kube(d.kc);
  await installCrds(h.kc);
  for (const ns of NAMESPACES) {
    await host.core.createNamespace({ body: { metadata: { name: ns } } });
    await registerDpuCluster(host, ns, 'dpu-cluster', d);
  }
  await setUpKubeadmBootstrap(d);
  kcm = startControllerManager(d, dir);
});

afterAll(async () => {
  await kcm?.stop();
  await apis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function spec(namespace: string, name: string): DpuSpec {
  return {
    name,
    node: 'host-1',
    pciAddress: '0000:03:00.0',
    bfb: { url: 'http://bfb.local/bf-bundle.bfb', sha256: 'a'.repeat(64) },
    dmsAddress: '127.0.0.1:9339',
    numVfs: 0,
    automaticReboot: true,
    kube: {
      ref: { namespace, name },
      generation: 1,
      dmsPort: 9339,
      dmsImage: 'dms:test',
      cluster: { name: 'dpu-cluster', nodeLabels: { 'example.com/rack': 'r7' } },
    },
  };
}

function inputOf(s: DpuSpec): DpuClusterInput {
  return {
    cluster: { namespace: s.kube!.ref.namespace, name: 'dpu-cluster' },
    dpuNode: dpuClusterNodeName(s.kube!.ref.namespace, s.name),
  };
}

/** What xpuflow hands the DPU: the bf.cfg dmsInstallBfCfg renders, after createJoinToken. */
async function bfCfgFor(s: DpuSpec): Promise<{ content: string; tokenId: string }> {
  const input = inputOf(s);
  const { tokenId } = await joinTokenActivity(dpuClusterOf(() => host)).createJoinToken(input);
  const m = await readJoinMaterial(host, input);
  const labels = { ...s.kube!.cluster!.nodeLabels, [DPU_NODE_LABEL]: m.nodeName, [HOST_NODE_LABEL]: s.node };
  return { content: renderBfCfg(s, { ...m, nodeLabels: labels }).content, tokenId };
}

/** The JWS bootstrapsigner adds to cluster-info for a token (kubeadm's discovery needs it). */
async function signedFor(tokenId: string): Promise<void> {
  await waitFor(
    `cluster-info signed for token ${tokenId}`,
    async () => {
      const cm = await dpuKube.core.readNamespacedConfigMap({
        namespace: 'kube-public',
        name: 'cluster-info',
      });
      return cm.data?.[`jws-kubeconfig-${tokenId}`] !== undefined;
    },
    { timeoutMs: 30_000, explain: () => kcm.log() },
  );
}

/** The API server's answer to the token itself: a read kubeadm join makes as the token. */
async function apiserverAnswerTo(token: string): Promise<number> {
  const kc = new k8s.KubeConfig();
  const c = dpu.kc.getCurrentCluster()!;
  kc.loadFromOptions({
    clusters: [{ name: 'dpu', server: c.server, caData: c.caData }],
    users: [{ name: 'token', token }],
    contexts: [{ name: 'dpu', cluster: 'dpu', user: 'token' }],
    currentContext: 'dpu',
  });
  try {
    await kc
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' });
    return 200;
  } catch (err) {
    return statusCode(err) ?? -1;
  }
}

async function refusal(args: KubeadmJoinArgs): Promise<JoinRefused> {
  const err = await kubeadmJoin(args).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof JoinRefused)) throw new Error(`the join was not refused: ${String(err)}`);
  return err;
}

it('a DPU joins with the bf.cfg it was handed: CSR approved and signed by kube-controller-manager, Node made by system:node:<name> with its labels, Ready', async () => {
  const s = spec('team-a', 'dpu-0');
  const { content, tokenId } = await bfCfgFor(s);
  const args = parseBfCfgJoin(content)!;
  expect(args.nodeName).toBe('dpu-0.team-a');
  expect(args.caCertHashes[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
  await signedFor(tokenId);

  const joined = await kubeadmJoin(args);
  expect(joined.username).toBe('system:node:dpu-0.team-a');
  expect(joined.groups).toContain('system:nodes');
  expect(joined.csrRequester).toBe(`system:bootstrap:${tokenId}`);
  const csrs = dpu.kc.makeApiClient(k8s.CertificatesV1Api);
  const got = await csrs.readCertificateSigningRequest({ name: joined.csrName });
  expect(got.status?.conditions?.find((c) => c.type === 'Approved')?.reason).toBe('AutoApproved');
  expect(got.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet');

  const node = await dpuKube.getNode('dpu-0.team-a');
  expect(node?.metadata?.labels).toMatchObject({
    'example.com/rack': 'r7',
    [DPU_NODE_LABEL]: 'dpu-0.team-a',
    [HOST_NODE_LABEL]: 'host-1',
  });
  expect(node?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
});

it('a DPU of the same name in another namespace joins as a second node', async () => {
  const s = spec('team-b', 'dpu-0');
  const { content, tokenId } = await bfCfgFor(s);
  await signedFor(tokenId);
  const joined = await kubeadmJoin(parseBfCfgJoin(content)!);
  expect(joined.username).toBe('system:node:dpu-0.team-b');
  expect((await dpuKube.getNode('dpu-0.team-a'))?.metadata?.name).toBe('dpu-0.team-a');
  expect((await dpuKube.getNode('dpu-0.team-b'))?.metadata?.name).toBe('dpu-0.team-b');
});

it('a wrong token is refused by the API server (401) and the DPU stays out', async () => {
  const s = spec('team-a', 'dpu-wrong');
  const { content, tokenId } = await bfCfgFor(s);
  await signedFor(tokenId);
  const args = parseBfCfgJoin(content)!;
  const wrong = { ...args, token: `${tokenId}.${'0'.repeat(16)}` };
  expect(await apiserverAnswerTo(wrong.token)).toBe(401);
  const refused = await refusal(wrong);
  // kubeadm stops at discovery: the cluster-info JWS does not verify with the wrong secret.
  expect(refused.message).toContain('failed to verify JWS signature');
  expect(await dpuKube.getNode(args.nodeName)).toBeUndefined();
});

it('an expired token is refused by the API server (401) and the DPU stays out', async () => {
  const s = spec('team-a', 'dpu-expired');
  const { content, tokenId } = await bfCfgFor(s);
  const args = parseBfCfgJoin(content)!;
  await dpuKube.core.patchNamespacedSecret(
    {
      namespace: 'kube-system',
      name: `bootstrap-token-${tokenId}`,
      body: { stringData: { expiration: new Date(Date.now() - 60_000).toISOString() } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await waitFor(
    'the API server to refuse the expired token',
    async () => (await apiserverAnswerTo(args.token)) === 401,
    {
      timeoutMs: 15_000,
    },
  );
  const refused = await refusal(args);
  expect(refused.status === 401 || refused.step === 'discovery').toBe(true);
  expect(await dpuKube.getNode(args.nodeName)).toBeUndefined();
});

it('a deleted token is refused by the API server (401) and the DPU stays out', async () => {
  const s = spec('team-a', 'dpu-deleted');
  const { content, tokenId } = await bfCfgFor(s);
  const args = parseBfCfgJoin(content)!;
  expect(await apiserverAnswerTo(args.token)).toBe(200);
  await dpuKube.core.deleteNamespacedSecret({ namespace: 'kube-system', name: `bootstrap-token-${tokenId}` });
  // The token authenticator reads Secrets through an informer: the deletion reaches it within moments.
  await waitFor(
    'the API server to refuse the deleted token',
    async () => (await apiserverAnswerTo(args.token)) === 401,
    {
      timeoutMs: 15_000,
    },
  );
  const refused = await refusal(args);
  expect(refused.status === 401 || refused.step === 'discovery').toBe(true);
  expect(await dpuKube.getNode(args.nodeName)).toBeUndefined();
});

it("DPU Cluster Config's wait names the node and the likely cause when the DPU stays out", async () => {
  const s = spec('team-a', 'dpu-stays-out');
  const input = inputOf(s);
  const { tokenId } = await bfCfgFor(s);
  await dpuKube.core.deleteNamespacedSecret({ namespace: 'kube-system', name: `bootstrap-token-${tokenId}` });
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
  const wait = nodeReadyActivity(dpuClusterOf(() => host));
  const err = await env.run(wait.awaitDpuNodeReady, { ...input, timeoutSeconds: 1, tokenId }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('DpuNodeNotReady');
  expect((err as ApplicationFailure).message).toContain(
    `node dpu-stays-out.team-a not joined yet; its join token ${tokenId} is deleted (the API server refuses it: 401)`,
  );
});

it('the node wait looks at the node every NODE_LOOK_SECONDS, GETs it only before its watch delivers, and reads the join token once per TOKEN_LOOK_MS', async () => {
  const s = spec('team-a', 'dpu-slow-boot');
  const { tokenId } = await bfCfgFor(s);
  const getSecret = jest.spyOn(dpuKube, 'getSecret');
  const getNode = jest.spyOn(dpuKube, 'getNode');
  try {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
    const wait = nodeReadyActivity(async () => dpuKube);
    const timeoutSeconds = NODE_LOOK_SECONDS + 2;
    const err = await env.run(wait.awaitDpuNodeReady, { ...inputOf(s), timeoutSeconds, tokenId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as ApplicationFailure).message).toContain(`its join token ${tokenId} is live`);
    // Looks at 0, NODE_LOOK_SECONDS and 2 × NODE_LOOK_SECONDS (past the timeout): no watch event came, the
    // node never joined. The node is read with a GET once, at the first look: the watch, started by then,
    // delivers its creation, so the later looks read what it delivered (nothing) within WATCH_REFRESH_MS.
    // The token at 0 and at 2 × NODE_LOOK_SECONDS (TOKEN_LOOK_MS on), not at the look between.
    expect(NODE_LOOK_SECONDS * 2 * 1000).toBeGreaterThanOrEqual(TOKEN_LOOK_MS);
    expect(NODE_LOOK_SECONDS * 2 * 1000).toBeLessThan(WATCH_REFRESH_MS);
    expect(getNode).toHaveBeenCalledTimes(1);
    expect(getSecret).toHaveBeenCalledTimes(2);
  } finally {
    getSecret.mockRestore();
    getNode.mockRestore();
  }
});

it('the node wait is woken by a watch on the node: it ends as the node turns Ready, not at its next look', async () => {
  const s = spec('team-a', 'dpu-watched');
  const input = inputOf(s);
  const { tokenId } = await bfCfgFor(s);
  const getNode = jest.spyOn(dpuKube, 'getNode');
  try {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
    const wait = nodeReadyActivity(async () => dpuKube);
    const started = Date.now();
    const waited = env.run(wait.awaitDpuNodeReady, { ...input, timeoutSeconds: 60, tokenId });
    // The kubelet's two writes of a join: the Node, then its Ready condition.
    await new Promise((r) => setTimeout(r, 500));
    await dpuKube.core.createNode({ body: { metadata: { name: input.dpuNode } } });
    await new Promise((r) => setTimeout(r, 1500));
    const readyAt = Date.now();
    await dpuKube.core.patchNodeStatus(
      {
        name: input.dpuNode,
        body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await waited;
    const ended = Date.now();
    // Before the second periodic look (NODE_LOOK_SECONDS after the first): the watch woke it.
    expect(ended - started).toBeLessThan(NODE_LOOK_SECONDS * 1000);
    expect(ended - readyAt).toBeLessThan(2000);
    // The first look, one at the Node's creation, one at its Ready condition.
    expect(getNode.mock.calls.length).toBeLessThanOrEqual(3);
  } finally {
    getNode.mockRestore();
    await dpuKube.core.deleteNode({ name: input.dpuNode }).catch((e: unknown) => {
      if (statusCode(e) !== 404) throw e;
    });
  }
});

it("the DPU cluster's client is kept while its kubeconfig Secret is unchanged, and made again from a changed one", async () => {
  const ref = { namespace: 'team-b', name: 'dpu-cluster' };
  const clusterOf = dpuClusterOf(() => host);
  const first = await clusterOf(ref);
  // Every look of a wait asks for the client: it is the same one, so its kept-alive connection is reused.
  expect(await clusterOf(ref)).toBe(first);
  // A rotated kubeconfig (here the same one rewritten) is read on the next call and gets a client of its own.
  const secret = await host.core.readNamespacedSecret({
    namespace: ref.namespace,
    name: 'dpu-cluster-kubeconfig',
  });
  await host.core.replaceNamespacedSecret({
    namespace: ref.namespace,
    name: 'dpu-cluster-kubeconfig',
    body: {
      ...secret,
      data: { kubeconfig: Buffer.from(`${dpu.kubeconfigYaml}\n# rotated\n`).toString('base64') },
    },
  });
  const second = await clusterOf(ref);
  expect(second).not.toBe(first);
  expect(await clusterOf(ref)).toBe(second);
  // The other namespace's DPUCluster has its own client.
  expect(await clusterOf({ namespace: 'team-a', name: 'dpu-cluster' })).not.toBe(second);
  expect((await second.core.listNode()).items.length).toBeGreaterThan(0);
});

it('after the flash began, removeDpuNode removes a Node that joined before it and keeps one that joined since', async () => {
  const input = inputOf(spec('team-b', 'dpu-reflashed'));
  const remove = removeFromClusterActivity(async () => dpuKube).removeDpuNode;
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
  await dpuKube.core.createNode({ body: { metadata: { name: input.dpuNode } } });
  const created = (await dpuKube.getNode(input.dpuNode))!.metadata!.creationTimestamp!;
  // The flash began after the Node joined: the old OS's Node, removed.
  const later = new Date(new Date(created).getTime() + 60_000).toISOString();
  expect(await env.run(remove, { ...input, joinedBefore: later })).toMatch(
    /^removed node dpu-reflashed\.team-b/,
  );
  expect(await dpuKube.getNode(input.dpuNode)).toBeUndefined();
  // The flash began before this Node joined (a control worker down through the whole flash): the
  // reflashed DPU's own, kept.
  await dpuKube.core.createNode({ body: { metadata: { name: input.dpuNode } } });
  const earlier = new Date(Date.now() - 60_000).toISOString();
  expect(await env.run(remove, { ...input, joinedBefore: earlier })).toMatch(
    /^kept node dpu-reflashed\.team-b/,
  );
  expect(await dpuKube.getNode(input.dpuNode)).toBeDefined();
  await dpuKube.core.deleteNode({ name: input.dpuNode });
  expect(await env.run(remove, { ...input, joinedBefore: earlier })).toBe(
    'no node dpu-reflashed.team-b in DPUCluster dpu-cluster',
  );
});
