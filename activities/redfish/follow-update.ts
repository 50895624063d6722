/**
 * Follows a BMC's update task until it ends: one GET of the task monitor per
 * look (DMTF Redfish spec DSP0266 §"Asynchronous operations": 202 + Location,
 * TaskState, PercentComplete, Messages), waiting as long as the BMC's
 * Retry-After asks, heartbeating the state and percent so the flow's pending
 * activity shows the flash's progress (Temporal UI, `xpuflow dpu status`).
 *
 * A retried attempt (the worker was killed mid-task, the BMC restarted)
 * first asks the BMC for the update of this ImageURI (`findUpdateTask`), in
 * case the task it was given is gone; it never starts one.
 *
 * TaskState Completed ends the wait; Exception (and Killed, Cancelled) is the
 * catalogue's BmcTaskException with the task's Messages, unless the client
 * names the cause (ImageFetchFailed, UpdateRejected). NVIDIA DPF reads the
 * same states (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/redfish/installing.go, commit
 * 02f88055bd9f94046568b6b3067490fae4fb8ab7).
 */
import { Context } from '@temporalio/activity';
import type { TaskRef, TaskStatus } from './redfish-port';
import { withBmc, type RedfishCallInput, type RedfishDeps } from './session';

export interface RedfishFollowUpdateInput extends RedfishCallInput {
  imageUri: string;
  task: TaskRef;
  /** Between looks when the BMC names no Retry-After (seconds). */
  pollSeconds: number;
}

/** What the heartbeats carry (and the UI shows as the pending activity's details). */
export interface UpdateTaskProgress {
  task: string;
  state: string;
  percent?: number;
  message?: string;
}

export interface RedfishFollowUpdateResult {
  task: string;
  state: string;
  messages: string[];
  /** Looks at the task this attempt made. */
  looks: number;
}

const ENDED_BADLY = new Set(['Exception', 'Killed', 'Cancelled']);

/** A task that ended badly, as the client's kinded error (read by failures.ts). */
class TaskEnded extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export function followUpdateActivity(deps: RedfishDeps) {
  return {
    async redfishFollowUpdate(input: RedfishFollowUpdateInput): Promise<RedfishFollowUpdateResult> {
      const ctx = Context.current();
      const retried = ctx.info.attempt > 1;
      return withBmc(deps, input, `follow the install of ${input.imageUri}`, async (s) => {
        const ref = (retried ? await s.findUpdateTask(input.imageUri) : undefined) ?? input.task;
        for (let looks = 1; ; looks++) {
          const st: TaskStatus = await s.task(ref);
          const progress: UpdateTaskProgress = {
            task: ref.odataId,
            state: st.state,
            ...(st.percent !== undefined ? { percent: st.percent } : {}),
            ...(st.messages.length ? { message: st.messages[st.messages.length - 1] } : {}),
          };
          ctx.heartbeat(progress);
          if (st.state === 'Completed') {
            return { task: ref.odataId, state: st.state, messages: st.messages, looks };
          }
          if (ENDED_BADLY.has(st.state)) {
            const said = st.messages.length ? st.messages.join('; ') : 'the BMC gave no message';
            throw new TaskEnded('TaskException', `task ${ref.odataId} is ${st.state}: ${said}`);
          }
          const waitMs = st.retryAfterMs ?? input.pollSeconds * 1000;
          await ctx.sleep(waitMs);
        }
      });
    },
  };
}
