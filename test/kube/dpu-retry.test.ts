/**
 * README: "Error is never terminal" for DPU objects. A Kubernetes-managed DPU
 * whose flash fails (the DMS simulator's INTEGRITY_FAIL) parks in Error with
 * its run open, and its status names the command that retries it; it is
 * retried by the real CLI (`xpuflow dpu retry -n NS NAME --from PHASE`) and by
 * the retry annotation, which the controller clears once taken; an annotation
 * naming no phase becomes a Warning Event naming the phases allowed; a spec
 * change while parked replaces the parked run, a delete while parked runs the
 * delete flow. Two DPUs of one name in two namespaces get distinct DMS pods.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { dmsDeploymentActivities, POD_LOOK_SECONDS } from '../../activities/kube/dms-deployment';
import { dmsPodName } from '../../model/dpu';
import { lifecycleStateQuery } from '../../model/dpu-lifecycle-api';
import { RETRYABLE_FROM } from '../../model/phases';
import { refOf, type DpuResource } from '../../model/resources/common';
import { RETRY_ANNOTATION } from '../../model/retry-annotation';
import { dpuGenerationWorkflowId, dpuLifecycleWorkflowId } from '../../model/workflow-ids';
import type { ProvisionDpuWorkflow, UpdateDpuWorkflow } from '../../model/workflow-types';
import type { SimFleet } from '../../sim/fleet';
import { distFile } from '../support/tools';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(180_000);
const run = promisify(execFile);
const h = new KubeHarness();

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb');
  await h.startControllers();
});
afterAll(() => h.dispose());

async function xpuflow(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [distFile('cli/main.js'), ...args], {
      env: { ...process.env, ...h.temporalEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A DPU on a host of its own whose first flash fails its integrity check; resolves once it is parked in Error. */
async function failingDpu(name: string): Promise<{ fleet: SimFleet; dpu: DpuResource }> {
  const fleet = await h.hosts(name, 1, {}, { flashMs: 300 });
  fleet.dpus[0].dms.injectFault({ kind: 'INTEGRITY_FAIL' });
  await h.kube.create('DPU', NS, {
    metadata: { name },
    spec: { nodeName: fleet.hosts[0].node, pciAddress: fleet.dpus[0].spec.pciAddress, bfb: 'bf-2-9-1' },
  });
  const dpu = await h.waitFor(`${name} in Error`, async () => {
    const d = await h.dpu(name);
    return d?.status?.phase === 'Error' ? d : undefined;
  });
  return { fleet, dpu };
}

function readyAt(name: string, generation: number): Promise<DpuResource> {
  return h.waitFor(`${name} Ready at generation ${generation}`, async () => {
    const d = await h.dpu(name);
    return d?.status?.phase === 'Ready' && d.status.observedGeneration === generation ? d : undefined;
  });
}

test('a failed DPU object parks in Error with its run open, its status names the command, and the CLI retries it with -n … --from', async () => {
  const { dpu } = await failingDpu('retry-cli');
  const ref = refOf(dpu.metadata);
  const provision = dpuGenerationWorkflowId('provision', ref, 1);

  // Parked: the run is open and the lifecycle knows it parked.
  expect((await h.client.workflow.getHandle(provision).describe()).status.name).toBe('RUNNING');
  const lifecycle = h.client.workflow.getHandle(dpuLifecycleWorkflowId(ref));
  await h.waitFor('the lifecycle to hear the run parked', async () => {
    const s = await lifecycle.query(lifecycleStateQuery);
    return s.parked === provision;
  });
  const command = `xpuflow dpu retry -n ${NS} retry-cli`;
  expect(dpu.status?.message).toContain('OS Installing failed');
  expect(dpu.status?.message).toContain(command);
  expect(dpu.status?.message).toContain(RETRY_ANNOTATION);
  const ready = dpu.status?.conditions?.find((c) => c.type === 'Ready');
  expect(ready).toMatchObject({ status: 'False', reason: 'Error' });
  expect(ready?.message).toContain(command);

  // status -n finds the DPU object's run; without -n, today's lookup of a CLI-started run.
  const status = await xpuflow('dpu', 'status', '-n', NS, 'retry-cli', '--json');
  expect(status.stderr).toBe('');
  expect(JSON.parse(status.stdout)).toMatchObject({
    workflowId: provision,
    execution: 'RUNNING',
    status: { phase: 'Error', lastError: { phase: 'OS Installing' } },
  });
  const byName = await xpuflow('dpu', 'retry', 'retry-cli');
  expect(byName.code).not.toBe(0);
  expect(byName.stderr).toContain('no provisioning run for DPU "retry-cli"');
  const elsewhere = await xpuflow('dpu', 'status', '-n', 'other-ns', 'retry-cli');
  expect(elsewhere.code).not.toBe(0);
  expect(elsewhere.stderr).toContain('no lifecycle run for DPU other-ns/retry-cli');

  const retried = await xpuflow('dpu', 'retry', '-n', NS, 'retry-cli', '--from', 'pending');
  expect(retried.stderr).toBe('');
  expect(retried.stdout).toContain(`${NS}/retry-cli: retry 1 restarts from Pending`);
  await readyAt('retry-cli', 1);
  const result = await h.client.workflow.getHandle<ProvisionDpuWorkflow>(provision).result();
  expect(result).toMatchObject({ phase: 'Ready', retries: 1 });
  expect(result.phases.filter((p) => p.phase === 'Pending')).toHaveLength(2);
  h.captureHistory(provision, 'provision-dpu-kube-parked-retried.json');
});

test('the retry annotation: a phase no retry starts from is a Warning naming those allowed; "true" retries; each is cleared', async () => {
  const { fleet } = await failingDpu('retry-ann');
  const ref = { namespace: NS, name: 'retry-ann' };
  const annotation = async () => (await h.dpu('retry-ann'))?.metadata.annotations?.[RETRY_ANNOTATION];

  await h.kube.patch('DPU', ref, { metadata: { annotations: { [RETRY_ANNOTATION]: 'Flashing' } } });
  const warning = await h.waitFor('a RetryRefused Warning', async () =>
    (await h.events('retry-ann')).find((e) => e.reason === 'RetryRefused'),
  );
  expect(warning.type).toBe('Warning');
  expect(warning.message).toContain('"Flashing"');
  expect(warning.message).toContain(RETRYABLE_FROM.join(', '));
  await h.waitFor('the bogus annotation cleared', async () => (await annotation()) === undefined);
  expect((await h.dpu('retry-ann'))?.status?.phase).toBe('Error');

  await h.kube.patch('DPU', ref, { metadata: { annotations: { [RETRY_ANNOTATION]: 'true' } } });
  await readyAt('retry-ann', 1);
  expect(await annotation()).toBeUndefined();
  const accepted = (await h.events('retry-ann')).find((e) => e.reason === 'RetryAccepted');
  expect(accepted?.message).toContain('retry 1 restarts from OS Installing');
  // The retry flashed once more, after the failed install.
  expect(fleet.dpus[0].dms.counters.flashes).toBe(1);
});

test('a spec change while parked in Error replaces the parked run; a delete while parked runs the delete flow', async () => {
  const { dpu } = await failingDpu('retry-edit');
  const ref = refOf(dpu.metadata);
  const provision = dpuGenerationWorkflowId('provision', ref, 1);
  await h.waitFor('the lifecycle to hear the run parked', async () => {
    const s = await h.client.workflow.getHandle(dpuLifecycleWorkflowId(ref)).query(lifecycleStateQuery);
    return s.parked === provision;
  });

  await h.kube.patch('DPU', ref, { spec: { bfb: 'bf-2-9-2' } });
  await readyAt('retry-edit', 2);
  expect((await h.client.workflow.getHandle(provision).describe()).status.name).toBe('CANCELLED');
  const update = await h.client.workflow
    .getHandle<UpdateDpuWorkflow>(dpuGenerationWorkflowId('update', ref, 2))
    .result();
  expect(update).toMatchObject({ phase: 'Ready', retries: 0 });
  h.captureHistory(provision, 'provision-dpu-kube-parked-replaced.json');
  h.captureHistory(dpuLifecycleWorkflowId(ref), 'dpu-lifecycle-parked-replaced.json');

  const { dpu: doomed } = await failingDpu('retry-del');
  await h.kube.delete('DPU', refOf(doomed.metadata));
  await h.waitFor('retry-del gone', async () => (await h.dpu('retry-del')) === undefined);
  const parkedRun = dpuGenerationWorkflowId('provision', refOf(doomed.metadata), 1);
  expect((await h.client.workflow.getHandle(parkedRun).describe()).status.name).toBe('CANCELLED');
});

test('two DPUs of one name in two namespaces get distinct DMS pods', async () => {
  const other = `${NS}-b`;
  await h.kube.core.createNamespace({ body: { metadata: { name: other } } });
  const deploy = dmsDeploymentActivities(() => h.kube).deployDmsPod;
  const pods = await Promise.all(
    [NS, other].map((namespace, i) =>
      deploy({
        dpu: { namespace, name: 'twin' },
        node: 'twin-host',
        pciAddress: `0000:0${i + 3}:00.0`,
        port: h.dmsBasePort + i,
        image: 'xpuflow-dms:test',
        address: `127.0.9.1:${h.dmsBasePort + i}`,
      }).then(async (name) => h.kube.getPod(namespace, name)),
    ),
  );
  expect(pods.map((p) => `${p?.metadata?.namespace}/${p?.metadata?.name}`)).toEqual([
    `${NS}/${dmsPodName('twin')}`,
    `${other}/${dmsPodName('twin')}`,
  ]);
  expect(pods[0]?.metadata?.uid).not.toBe(pods[1]?.metadata?.uid);
  expect(pods.map((p) => p?.spec?.containers[0].ports?.[0].containerPort)).toEqual([
    h.dmsBasePort,
    h.dmsBasePort + 1,
  ]);
});

test("a DMS pod is the DPU's by its owner's UID: a retried create takes it, another DPU object of the name is refused while it waits, and only the owner's undo deletes it", async () => {
  const acts = dmsDeploymentActivities(() => h.kube);
  const input = (uid: string) => ({
    dpu: { namespace: NS, name: 'owned', uid },
    node: 'owned-host',
    pciAddress: '0000:03:00.0',
    port: h.dmsBasePort + 7,
    image: 'xpuflow-dms:test',
    address: `127.0.9.2:${h.dmsBasePort + 7}`,
  });
  const mine = '11111111-aaaa-4aaa-8aaa-000000000001';
  const theirs = '22222222-bbbb-4bbb-8bbb-000000000002';
  const pod = await acts.deployDmsPod(input(mine));
  const uid = (await h.kube.getPod(NS, pod))?.metadata?.uid;
  // A retried attempt (the create's answer lost) finds its own pod and goes on.
  expect(await acts.deployDmsPod(input(mine))).toBe(pod);
  // Another DPU object of the name (the old one being deleted with its pod): refused, retryable, named.
  const refused = await acts.deployDmsPod(input(theirs)).then(
    () => undefined,
    (err: unknown) => err as { type?: string; nonRetryable?: boolean; message: string },
  );
  expect(refused).toMatchObject({ type: 'DmsPodNameTaken', nonRetryable: false });
  expect(refused?.message).toContain(`pod ${NS}/${pod} (`);
  expect(refused?.message).toContain(`belongs to another DPU object named owned (uid ${mine})`);
  // The other's undo leaves it; the owner's deletes it; a second undo finds it gone.
  const removeAs = (owner: string) => acts.removeDmsPod({ namespace: NS, pod, dpu: input(owner).dpu });
  expect(await removeAs(theirs)).toBe(
    `left pod ${NS}/${pod} alone: it belongs to another DPU object named owned (uid ${mine})`,
  );
  expect((await h.kube.getPod(NS, pod))?.metadata?.uid).toBe(uid);
  expect(await removeAs(mine)).toBe(`deleted DMS pod ${NS}/${pod} (uid ${uid})`);
  await h.waitFor('the owned DMS pod gone', async () => (await h.kube.getPod(NS, pod)) === undefined);
  expect(await removeAs(mine)).toBe(`DMS pod ${NS}/${pod} already gone`);
});

test('the DMS pod wait is woken by a watch on the pod: it ends as the pod turns Ready, not at its next look', async () => {
  const name = 'dms-watched';
  // On a node no played kubelet serves: nothing but this test makes it Ready.
  await h.kube.core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name, namespace: NS },
      spec: { nodeName: 'no-kubelet-here', containers: [{ name: 'dms', image: 'xpuflow-dms:test' }] },
    },
  });
  try {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN') });
    const acts = dmsDeploymentActivities(() => h.kube);
    const started = Date.now();
    const waited = env.run(acts.awaitDmsPodReady, {
      namespace: NS,
      pod: name,
      node: 'no-kubelet-here',
      timeoutSeconds: 60,
    });
    await new Promise((r) => setTimeout(r, 2000));
    const readyAt = Date.now();
    await h.kube.core.patchNamespacedPodStatus(
      {
        namespace: NS,
        name,
        body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await waited;
    const ended = Date.now();
    // Before the second periodic look (POD_LOOK_SECONDS after the first): the watch woke it.
    expect(ended - started).toBeLessThan(POD_LOOK_SECONDS * 1000);
    expect(ended - readyAt).toBeLessThan(2000);
  } finally {
    await h.kube.core.deleteNamespacedPod({ namespace: NS, name, gracePeriodSeconds: 0 });
  }
});
