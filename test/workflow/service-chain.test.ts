/**
 * The serviceChain workflow on the time-skipping server with a recording fake
 * of the DPU worker's reconcileOvs: applies a new revision at once and again
 * every interval, carries its state over continueAsNew, says which DPU
 * worker is not polling, and stops when told.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { DesiredOvs, ReconcileOvsResult } from '../../model/ovs-state';
import {
  chainStateQuery,
  desiredChainSignal,
  stopChainSignal,
  type DesiredChainState,
  type ServiceChainInput,
} from '../../model/service-chain-api';
import { CONTROL_TASK_QUEUE, dpuTaskQueue } from '../../model/task-queues';
import { WorkflowType, type ServiceChainWorkflow } from '../../model/workflow-types';
import { registerSearchAttributes } from '../support/search-attributes';
import { testServerBinary } from '../support/tools';
import { testWorkflowBundle } from '../support/workflow-bundle';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
let workers: Worker[];
let running: Promise<unknown>;
const applied: string[] = [];

const desired = (port: string): DesiredOvs => ({
  bridges: ['br-sfc'],
  ports: [{ name: port, bridge: 'br-sfc', type: 'internal', externalIds: {} }],
  flows: [],
});

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerBinary() } },
  });
  await registerSearchAttributes(env.connection);
  const connection = env.nativeConnection;
  workers = [
    await Worker.create({
      connection,
      taskQueue: CONTROL_TASK_QUEUE,
      workflowBundle: await testWorkflowBundle(require.resolve('../../workflows')),
    }),
    await Worker.create({
      connection,
      taskQueue: dpuTaskQueue('d1', 'ns'),
      activities: {
        reconcileOvs: async (d: DesiredOvs): Promise<ReconcileOvsResult> => {
          applied.push(d.ports.map((p) => p.name).join(',') || '(empty)');
          return {
            changes: [],
            problems: [],
            state: {
              ports: d.ports.map((p) => ({ name: p.name, bridge: p.bridge, type: p.type, owned: true })),
              flows: [],
            },
          };
        },
      },
    }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  workers?.forEach((w) => w.shutdown());
  await running;
  await env?.teardown();
});

const start = (dpu: string, extra: Partial<ServiceChainInput> = {}) =>
  env.client.workflow.signalWithStart<ServiceChainWorkflow, [DesiredChainState]>(WorkflowType.serviceChain, {
    workflowId: `servicechain-ns-${dpu}-${Math.random().toString(36).slice(2, 6)}`,
    taskQueue: CONTROL_TASK_QUEUE,
    args: [{ namespace: 'ns', dpu, intervalSeconds: 30, ...extra } satisfies ServiceChainInput],
    signal: desiredChainSignal,
    signalArgs: [{ revision: 'r1', desired: desired('a') }],
  });

test('applies a revision at once, again every interval, a new one at once; state survives continueAsNew', async () => {
  applied.length = 0;
  const h = await start('d1', { iterationsPerRun: 3 });
  const until = async (pred: () => boolean) => {
    while (!pred()) await env.sleep('1s');
  };
  await until(() => applied.length >= 1);
  expect(applied[0]).toBe('a');
  await env.sleep('31s');
  await until(() => applied.length >= 2);
  await h.signal(desiredChainSignal, { revision: 'r2', desired: desired('b') });
  await until(() => applied.includes('b'));
  await env.sleep('65s'); // past iterationsPerRun: continueAsNew
  const s = await h.query(chainStateQuery);
  expect(s).toMatchObject({ dpu: 'd1', desiredRevision: 'r2', appliedRevision: 'r2' });
  expect(s.observed?.ports.map((p) => p.name)).toEqual(['b']);
  expect((await h.describe()).runId).not.toBe(h.signaledRunId);
  await h.signal(stopChainSignal);
  expect(await env.client.workflow.getHandle(h.workflowId).result()).toMatch(/stopped/);
});

test('a DPU worker that is not polling is named in the state, and the workflow keeps going', async () => {
  const h = await start('nobody', { scheduleToStartSeconds: 5 });
  let s = await h.query(chainStateQuery);
  for (let i = 0; i < 30 && !s.error; i++) {
    await env.sleep('2s');
    s = await h.query(chainStateQuery);
  }
  expect(s.error).toContain('DPU worker for ns/nobody is not polling xpuflow-dpu-nobody.ns');
  expect(s.error).toContain('xpuflow worker dpu --dpu nobody --namespace ns');
  expect(s.appliedRevision).toBeUndefined();
  await h.signal(stopChainSignal);
  await h.result();
});
