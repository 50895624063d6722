/**
 * A DPUSet's pause change reaches its rollout as a signal. A signal that fails
 * is not recorded as sent: the reconcile fails (the work queue retries it) and
 * the next reconcile sends it again. A rollout that ended (not found) has
 * nothing left to pause. The Temporal client is a fake that throws on demand.
 */
import type * as k8s from '@kubernetes/client-node';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { DpuSetController } from '../../controllers/dpuset-controller';
import { templateHash } from '../../controllers/template-hash';
import type { Kube } from '../../platform/kube/client';
import type { DpuResource, DpuSetResource } from '../../model/resources/common';
import { DPUSET_LABEL, TEMPLATE_HASH_ANNOTATION } from '../../model/resources/common';
import { PCI_LABEL_PREFIX, dpuObjectName } from '../../model/resources/pci-labels';
import { dpusetRolloutWorkflowId } from '../../model/workflow-ids';

const ns = 'default';
const template = { spec: { bfb: 'bfb-1' } };

function world(signal: (id: string, paused: unknown) => Promise<void>) {
  const hash = templateHash(template as DpuSetResource['spec']['dpuTemplate']);
  const rollout = dpusetRolloutWorkflowId({ namespace: ns, name: 'set' }, hash, 2);
  const set = {
    metadata: { name: 'set', namespace: ns, generation: 2, uid: 'u1' },
    spec: { dpuTemplate: template, paused: true },
    status: { rolloutWorkflowId: rollout },
  } as unknown as DpuSetResource;
  const dpu = {
    metadata: {
      name: dpuObjectName('node-1', '0000:03:00.0'),
      namespace: ns,
      labels: { [DPUSET_LABEL]: 'set' },
      annotations: { [TEMPLATE_HASH_ANNOTATION]: 'old' },
    },
    spec: {},
  } as unknown as DpuResource;
  const node = { metadata: { name: 'node-1', labels: { [`${PCI_LABEL_PREFIX}0`]: '0000-03-00.0' } } };
  const signals: unknown[] = [];
  const temporal = {
    workflow: {
      getHandle: (id: string) => ({
        describe: () => Promise.resolve({ status: { name: 'RUNNING' } }),
        signal: async (_def: unknown, paused: unknown) => {
          await signal(id, paused);
          signals.push(paused);
        },
      }),
    },
  } as unknown as Client;
  const kube = {
    patchStatus: () => Promise.resolve({}),
    event: () => Promise.resolve(),
  } as unknown as Kube;
  const ctl = new DpuSetController(
    kube,
    temporal,
    {
      set: () => set,
      dpus: () => [dpu],
      bfb: () => ({ metadata: { name: 'bfb-1' } }) as never,
      nodes: () => [node as k8s.V1Node],
    },
    { settleTimeoutSeconds: 60, workflowUrl: () => undefined },
  );
  return { ctl, signals };
}

test('a pause signal that fails is not recorded as sent: the reconcile fails and the next one sends it', async () => {
  let fail = true;
  const { ctl, signals } = world(async () => {
    if (fail) throw new Error('14 UNAVAILABLE: connection refused');
  });
  await expect(ctl.reconcile(ns, 'set')).rejects.toThrow(
    /cannot pause rollout dpuset-rollout-.*connection refused/,
  );
  expect(signals).toEqual([]);
  fail = false;
  await ctl.reconcile(ns, 'set');
  expect(signals).toEqual([true]);
  // Sent once: a further reconcile does not signal again.
  await ctl.reconcile(ns, 'set');
  expect(signals).toEqual([true]);
});

test('a rollout that ended (not found) has nothing to pause: the reconcile goes on', async () => {
  const { ctl, signals } = world(async (id) => {
    throw new WorkflowNotFoundError('workflow not found', id, undefined);
  });
  await expect(ctl.reconcile(ns, 'set')).resolves.toBeUndefined();
  expect(signals).toEqual([]);
});
