/**
 * What the controller benchmarks (dpu-discovery, dpu-service) start before
 * they measure: a private Temporal dev server, a client of it, and the control
 * worker (a process, with the host cluster's kubeconfig) polling its workflow
 * queue. A failure part-way stops what was already started.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { waitForPollers } from '../platform/connection/pollers';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import { spawnControlWorker, untilReady, type WorkerProcess } from '../cli/demo/worker-processes';
import { startBenchTemporal, type BenchTemporal } from './temporal-dev-server';

export interface ControlWorkerStack {
  temporal: BenchTemporal;
  client: Client;
  worker: WorkerProcess;
}

/** Temporal under dir/temporal, the control worker logging to dir/control.log with its BFB cache in dir/bfb-cache. */
export async function startControlWorkerStack(
  dir: string,
  kubeconfigPath: string,
): Promise<ControlWorkerStack> {
  const temporal = await startBenchTemporal(path.join(dir, 'temporal'));
  let client: Client | undefined;
  let worker: WorkerProcess | undefined;
  try {
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    worker = spawnControlWorker({
      bfbCacheDir: path.join(dir, 'bfb-cache'),
      logFile: path.join(dir, 'control.log'),
      env: {
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: 'default',
        XPUFLOW_KUBECONFIG: kubeconfigPath,
      },
    });
    const polled = client;
    await untilReady([worker], (signal) =>
      waitForPollers(polled, [{ taskQueue: CONTROL_TASK_QUEUE, kind: 'workflow' }], 60_000, signal),
    );
    return { temporal, client, worker };
  } catch (err) {
    await worker?.stop(5_000);
    await client?.connection.close();
    await temporal.stop();
    throw err;
  }
}
