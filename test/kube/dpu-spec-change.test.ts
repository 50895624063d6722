/**
 * README: "A spec change waits for a running flow to end, so a flash is never
 * cut short" (enforced by DpuLifecycle, workflows/dpu/dpu-lifecycle.ts). A DPU
 * is held mid-flash by the DMS simulator's kill point `after-activate` (the
 * flash has started, ActivateOK not yet sent) while its spec gets a new BFB:
 * the controller signals generation 2, and the lifecycle starts no update
 * until ProvisionDpu has finished; then the update flashes the new BFB.
 */
import { dpuGenerationWorkflowId, dpuLifecycleWorkflowId } from '../../model/workflow-ids';
import { lifecycleStateQuery } from '../../model/dpu-lifecycle-api';
import { refOf } from '../../model/resources/common';
import { KubeHarness, NS } from './kube-harness';

jest.setTimeout(240_000);

const h = new KubeHarness();

beforeAll(async () => {
  await h.start();
  await h.createBfb('bf-2-9-1', 'bf-bundle-2.9.1.bfb');
  await h.createBfb('bf-2-9-2', 'bf-bundle-2.9.2.bfb');
  await h.startControllers();
});
afterAll(() => h.dispose());

test('a spec change during a flash waits for the running flow: the flash completes, then the new BFB is applied', async () => {
  const fleet = await h.hosts('edit', 1, {});
  const dms = fleet.dpus[0].dms;
  const held = dms.holdAt('after-activate');
  await h.kube.create('DPU', NS, {
    metadata: { name: 'edit-dpu' },
    spec: {
      nodeName: fleet.hosts[0].node,
      pciAddress: fleet.dpus[0].spec.pciAddress,
      bfb: 'bf-2-9-1',
      numVfs: 1,
      cluster: { name: 'dpu-cluster' },
    },
  });
  await held.reached;
  expect(dms.counters.flashes).toBe(1);

  await h.kube.patch('DPU', { namespace: NS, name: 'edit-dpu' }, { spec: { bfb: 'bf-2-9-2' } });
  const dpu = (await h.dpu('edit-dpu'))!;
  expect(dpu.metadata.generation).toBe(2);
  const ref = refOf(dpu.metadata);
  const lifecycle = h.client.workflow.getHandle(dpuLifecycleWorkflowId(ref));
  const provision = dpuGenerationWorkflowId('provision', ref, 1);
  const update = dpuGenerationWorkflowId('update', ref, 2);
  // The lifecycle has the new generation, and still runs the flash of the first.
  await h.waitFor('the lifecycle to take generation 2', async () => {
    const s = await lifecycle.query(lifecycleStateQuery);
    return s.desiredGeneration === 2 ? s : undefined;
  });
  expect(await lifecycle.query(lifecycleStateQuery)).toMatchObject({
    appliedGeneration: 0,
    running: provision,
  });
  expect(await h.workflowIds('updateDpu')).toEqual([]);

  held.release();
  await h.waitFor(
    'edit-dpu Ready at generation 2',
    async () => {
      const d = await h.dpu('edit-dpu');
      return d?.status?.phase === 'Ready' && d.status.observedGeneration === 2;
    },
    120_000,
  );
  // The first flash ran to the end, then one flash of the new BFB; nothing was cut.
  expect(dms.counters.flashes).toBe(2);
  expect(dms.counters.transfersCut).toBe(0);
  const first = await h.client.workflow.getHandle(provision).describe();
  const second = await h.client.workflow.getHandle(update).describe();
  expect(first.status.name).toBe('COMPLETED');
  expect((await h.client.workflow.getHandle(provision).result()).phase).toBe('Ready');
  expect(second.startTime.getTime()).toBeGreaterThanOrEqual(first.closeTime!.getTime());
});
