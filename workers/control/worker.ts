/**
 * The control worker: every workflow, plus the activities that reach DMS and
 * download BFBs. Wiring only; the work lives in workflows/ and activities/.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createBfbActivities } from '../../activities/bfb';
import { createDmsActivities } from '../../activities/dms';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';

export interface ControlWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** Where downloaded BFBs are cached (content-addressed by sha256). */
  bfbCacheDir: string;
  taskQueue?: string;
  identity?: string;
}

export async function createControlWorker(opts: ControlWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? CONTROL_TASK_QUEUE,
    ...(opts.identity ? { identity: opts.identity } : {}),
    workflowsPath: require.resolve('../../workflows'),
    activities: {
      ...createBfbActivities({ cacheDir: opts.bfbCacheDir }),
      ...createDmsActivities(),
    },
  });
}
