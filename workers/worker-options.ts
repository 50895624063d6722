/**
 * What every xpuflow worker is created with, whatever it serves: the
 * connection and namespace, its task queue and identity, the payload codec.
 */
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';

export interface WorkerConnectionOptions {
  connection: NativeConnection;
  namespace: string;
  /** The worker's identity in Temporal (each worker has its default). */
  identity?: string;
  /** The payload codec (platform/codec codecDataConverter) when payloads are encrypted. */
  dataConverter?: DataConverter;
}

/** The Worker.create options every worker shares; `identity` is the default when opts has none. */
export function commonWorkerOptions(
  opts: WorkerConnectionOptions,
  taskQueue: string,
  identity?: string,
): Pick<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'identity' | 'dataConverter'> {
  const id = opts.identity ?? identity;
  return {
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue,
    ...(id ? { identity: id } : {}),
    ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
  };
}
