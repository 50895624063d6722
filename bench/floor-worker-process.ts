/**
 * The floor flow's worker (floor-flow.ts, floor-activities.ts) in a process of
 * its own (child-process.ts), with the SDK's default tuning, as the control
 * worker runs in one. Options: the Temporal address and task queue.
 * Ready line: `{}` once it polls.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { floorActivities } from './floor-activities';
import { serveUntilStopped } from './child-process';
import { workerBundleOptions } from '../workers/workflow-bundle-options';

serveUntilStopped(async (opts: { address: string; taskQueue: string }) => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    taskQueue: opts.taskQueue,
    // Bundled as xpuflow's workers bundle theirs, so the floor differs from them only in its flow.
    ...workerBundleOptions(require.resolve('./floor-flow')),
    activities: floorActivities,
  });
  const running = worker.run();
  return {
    ready: {},
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
});
