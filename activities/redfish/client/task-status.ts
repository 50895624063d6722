/**
 * One poll of an update's task (DSP0266 "Asynchronous operations"): GET the task monitor, which answers
 * 202 (with the Task and a Retry-After) while the task runs and, once it is done, the operation's own
 * status or 404 (bmcweb gives 204 once, then 404: openbmc/bmcweb redfish-core/lib/task.hpp
 * @a1fa837df1e719ec053824d946a25fb86b3d5907, TaskMonitor::doGet / populateResp); then the Task resource
 * says how it ended (TaskState, Messages, PercentComplete). The BMC's Retry-After is returned, not slept.
 */
import { answerError } from './answer-errors';
import type { BmcConnection } from './bmc-connection';
import { describeMessages, isRedfishError, RedfishError } from './errors';
import { retryAfterMs } from './retry-after';
import type { Task, TaskRef, TaskState, TaskStatus } from './types';
import { updateFailureKind } from './update-failure';

const FAILED: ReadonlySet<TaskState> = new Set(['Exception', 'Killed', 'Cancelled']);

export async function pollTask(conn: BmcConnection, ref: TaskRef): Promise<TaskStatus> {
  if (ref.installed)
    return { task: ref.task, state: 'Completed', done: true, percentComplete: 100, messages: [] };
  let task: Task | undefined;
  let after: number | undefined;
  if (ref.monitor) {
    const res = await conn.send({ method: 'GET', path: ref.monitor });
    after = retryAfterMs(res.headers['retry-after']);
    if (res.status === 202) {
      const body = res.json as Task | undefined;
      if (body?.TaskState) task = { ...body, '@odata.id': body['@odata.id'] ?? ref.task };
    } else if (res.status !== 404 && (res.status < 200 || res.status >= 300)) {
      throw answerError(conn.origin, 'GET', ref.monitor, res, `polling the task monitor of ${ref.task}`);
    }
  }
  task ??= await readTask(conn, ref);
  return taskStatus(conn, ref, task, after);
}

/** The Task resource; one the BMC no longer has (it restarted, or dropped old tasks) says so and what decides. */
async function readTask(conn: BmcConnection, ref: TaskRef): Promise<Task> {
  try {
    return await conn.getJson<Task>(ref.task, `reading update task ${ref.task}`);
  } catch (err) {
    if (!isRedfishError(err, 'NotFound')) throw err;
    throw new RedfishError(
      'NotFound',
      `BMC ${conn.origin} no longer has update task ${ref.task}${ref.imageUri ? ` (${ref.imageUri})` : ''}: the BMC restarted or dropped it; ` +
        `findUpdateTask with expectVersion tells whether the image was installed, otherwise start the update again`,
      { bmc: conn.origin, resource: ref.task, status: 404, cause: err },
    );
  }
}

function taskStatus(conn: BmcConnection, ref: TaskRef, task: Task, after: number | undefined): TaskStatus {
  const state = task.TaskState;
  if (!state)
    throw new RedfishError(
      'Protocol',
      `BMC ${conn.origin}: task ${ref.task} has no TaskState: check the BMC's firmware`,
      {
        bmc: conn.origin,
        resource: ref.task,
      },
    );
  const status: TaskStatus = {
    task: ref.task,
    state,
    done: state === 'Completed',
    percentComplete: task.PercentComplete,
    messages: task.Messages ?? [],
    ...(after === undefined || state === 'Completed' ? {} : { retryAfterMs: after }),
  };
  if (FAILED.has(state)) {
    const kind = updateFailureKind(status.messages, 'TaskException');
    const said = describeMessages(status.messages) || 'no messages';
    const image = ref.imageUri ? ` installing ${ref.imageUri}` : '';
    const todo =
      kind === 'ImageFetchFailed'
        ? 'check that the BMC can reach the image URL (network, address, TLS) and that the file is there'
        : kind === 'UpdateRejected'
          ? 'check that the image is a BFB for this DPU and is not corrupt'
          : "see the BMC's task messages and its logs (Managers → LogServices), then retry";
    throw new RedfishError(
      kind,
      `BMC ${conn.origin}: update task ${ref.task}${image} ended ${state}: ${said}: ${todo}`,
      {
        bmc: conn.origin,
        resource: ref.task,
        messages: status.messages,
        task: status,
      },
    );
  }
  return status;
}
