/**
 * The control worker and the first host's worker, in the test's own process,
 * on any Temporal connection (the time-skipping server's or a dev server's):
 * what the workflow tests of ProvisionDpu run against the simulated fleet.
 */
import path from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { SimFleet } from '../../sim/fleet';
import { createControlWorker } from '../../workers/control/worker';
import { createHostWorker } from '../../workers/host/worker';
import { HOST_WORKFLOWS } from '../../workers/control/bundle-workflows';
import { testWorkflowBundle } from './workflow-bundle';

export interface RunningWorkers {
  /** Shuts both workers down and waits until they have stopped. */
  stop(): Promise<void>;
}

export async function runProvisionWorkers(
  connection: NativeConnection,
  fleet: SimFleet,
  dir: string,
): Promise<RunningWorkers> {
  const workers: Worker[] = [
    await createControlWorker({
      connection,
      namespace: 'default',
      bfbCacheDir: path.join(dir, 'cache'),
      workflowBundle: await testWorkflowBundle(require.resolve('../../workflows')),
    }),
    await createHostWorker({
      connection,
      namespace: 'default',
      node: fleet.hosts[0].node,
      sysfsRoot: fleet.hosts[0].sysfsRoot,
      workflowBundle: await testWorkflowBundle(HOST_WORKFLOWS),
    }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    async stop() {
      workers.forEach((w) => w.shutdown());
      await running;
    },
  };
}
