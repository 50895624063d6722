/**
 * doctor: a worker polls the control queue, and each host's and DPU's queue
 * that has work. Work is read from the open runs: the host node in their
 * XpuflowNode search attribute (the run routes activities to that host's
 * queue) and the queue of each pending activity. Temporal lists a poller for
 * some minutes after its last poll, so a worker that died a minute ago may
 * still count.
 */
import type { Client } from '@temporalio/client';
import { queueHasPollers, type QueueKind } from '../../platform/connection/pollers';
import { NODE_KEY } from '../../model/search-attributes';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import { Problem, type Check } from './check';

/** At most this many open runs are read (their search attributes and pending activities). */
export const MAX_OPEN_RUNS = 200;

interface QueueWork {
  queue: string;
  kinds: QueueKind[];
  /** Why the queue is needed, e.g. "open run provision-dpu-d1 on node n1". */
  why: string[];
}

export const pollersCheck: Check = {
  name: 'pollers',
  needs: ['namespace'],
  timeoutFix: 'the Temporal frontend answers but slowly: check its health (temporal operator cluster health)',
  async run(ctx, signal) {
    const client = ctx.client!;
    const deadline = Date.now() + ctx.timeoutMs;
    const work = await queuesWithWork(client, deadline, signal);
    const polled = await Promise.all(
      work.map(async (w) => {
        const kinds = await Promise.all(
          w.kinds.map((k) =>
            client.connection.withDeadline(deadline, () => queueHasPollers(client, w.queue, k)),
          ),
        );
        return { ...w, missing: w.kinds.filter((_, i) => !kinds[i]) };
      }),
    );
    const unpolled = polled.filter((w) => w.missing.length > 0);
    if (unpolled.length > 0)
      throw new Problem(
        unpolled
          .map((w) => `no worker polls ${w.queue} (${w.missing.join(' and ')} tasks; ${summarize(w.why)})`)
          .join('; '),
        unpolled.map((w) => whatToStart(w.queue)).join('; '),
      );
    return `workers poll ${work.map((w) => w.queue).join(', ')}`;
  },
};

/** The control queue always; every host and DPU queue an open run has work on. */
async function queuesWithWork(client: Client, deadline: number, signal: AbortSignal): Promise<QueueWork[]> {
  const byQueue = new Map<string, QueueWork>([
    [CONTROL_TASK_QUEUE, { queue: CONTROL_TASK_QUEUE, kinds: ['workflow', 'activity'], why: ['always'] }],
  ]);
  const need = (queue: string, why: string) => {
    const w = byQueue.get(queue) ?? { queue, kinds: ['activity'], why: [] };
    w.why.push(why);
    byQueue.set(queue, w);
  };
  const open: Array<{ workflowId: string; runId: string }> = [];
  await client.connection.withDeadline(deadline, async () => {
    for await (const run of client.workflow.list({ query: 'ExecutionStatus="Running"' })) {
      signal.throwIfAborted();
      open.push({ workflowId: run.workflowId, runId: run.runId });
      const node = run.typedSearchAttributes.get(NODE_KEY);
      if (node) need(hostTaskQueue(node), `open run ${run.workflowId} on node ${node}`);
      if (open.length >= MAX_OPEN_RUNS) break;
    }
  });
  // Pending activities carry their queue (ActivityOptions.task_queue, Temporal 1.27 and later).
  for (let i = 0; i < open.length; i += 20) {
    signal.throwIfAborted();
    const described = await Promise.all(
      open.slice(i, i + 20).map((r) =>
        client.connection.withDeadline(deadline, () =>
          client.workflowService.describeWorkflowExecution({
            namespace: client.options.namespace,
            execution: r,
          }),
        ),
      ),
    );
    for (const [j, d] of described.entries()) {
      for (const a of d.pendingActivities ?? []) {
        const queue = a.activityOptions?.taskQueue?.name;
        if (queue && queue !== CONTROL_TASK_QUEUE)
          need(queue, `activity ${a.activityType?.name ?? '?'} of ${open[i + j].workflowId} waits`);
      }
    }
  }
  return [...byQueue.values()];
}

function summarize(why: string[]): string {
  const unique = [...new Set(why)];
  return unique.length <= 3
    ? unique.join(', ')
    : `${unique.slice(0, 3).join(', ')} and ${unique.length - 3} more`;
}

/** What starts the worker of a queue, by its name (model/task-queues.ts). */
export function whatToStart(queue: string): string {
  if (queue === CONTROL_TASK_QUEUE)
    return 'start the control worker (xpuflow worker control; in the chart controlWorker.enabled) with this Temporal address and namespace';
  const host = /^xpuflow-host-(.+)$/.exec(queue);
  if (host)
    return `start the host worker on node ${host[1]} (xpuflow worker host --node ${host[1]}; in the chart the host-worker DaemonSet must run a pod there)`;
  const dpu = /^xpuflow-dpu-(.+)$/.exec(queue);
  if (dpu)
    return `start the DPU worker of ${dpu[1]} (xpuflow worker dpu --dpu ${dpu[1]} --opi <addr>; in the chart the DPU worker DPUService must reach its DPU cluster)`;
  return `start a worker polling ${queue}`;
}
