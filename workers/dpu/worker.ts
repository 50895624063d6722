/**
 * The DPU worker: one per DPU, polling `xpuflow-dpu-<dpu>`. It reaches the
 * xPU's own OPI server (the xPU side of VF leases). Wiring only.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createOpiActivities } from '../../activities/opi';
import { dpuTaskQueue } from '../../model/task-queues';
import { checkDpuName } from '../../model/validation';

export interface DpuWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  dpu: string;
  /** host:port of the DPU's OPI server. */
  opiAddress: string;
  /** The payload codec (codec/codecDataConverter) when payloads are encrypted. */
  dataConverter?: DataConverter;
}

export async function createDpuWorker(opts: DpuWorkerOptions): Promise<Worker> {
  const bad = checkDpuName(opts.dpu);
  if (bad) throw new Error(bad);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: dpuTaskQueue(opts.dpu),
    identity: `dpu-worker@${opts.dpu}`,
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    activities: createOpiActivities({ dpu: opts.dpu, opiAddress: opts.opiAddress }),
  });
}
