/** Whether workers poll a task queue (as the server saw them in the last minutes). */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export type QueueKind = 'workflow' | 'activity';

export async function queueHasPollers(
  client: Client,
  taskQueue: string,
  kind: QueueKind = 'activity',
): Promise<boolean> {
  const resp = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType:
      kind === 'workflow'
        ? temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
        : temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (resp.pollers ?? []).length > 0;
}

/** Waits until every queue has a poller; says which did not within the time. `signal` stops the wait. */
export async function waitForPollers(
  client: Client,
  queues: Array<{ taskQueue: string; kind?: QueueKind }>,
  timeoutMs = 60_000,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let missing = queues;
  while (missing.length > 0) {
    signal?.throwIfAborted();
    const polled = await Promise.all(missing.map((q) => queueHasPollers(client, q.taskQueue, q.kind)));
    missing = missing.filter((_, i) => !polled[i]);
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `no worker polls ${missing.map((q) => q.taskQueue).join(', ')} after ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
