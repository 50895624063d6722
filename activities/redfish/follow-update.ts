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
 * client's TaskException with the task's Messages, or the cause they name
 * (ImageFetchFailed, UpdateRejected), each a failure of the catalogue. NVIDIA DPF reads the
 * same states (NVIDIA/doca-platform,
 * internal/provisioning/controllers/dpu/state/redfish/installing.go, commit
 * 02f88055bd9f94046568b6b3067490fae4fb8ab7).
 */
import { Context } from '@temporalio/activity';
import { describeMessages, isRedfishError } from './client';
import { updateLost } from './failures';
import type { TaskRef, TaskStatus } from './redfish-port';
import { findOptions } from './start-update';
import { withBmc, type RedfishCallInput, type RedfishDeps } from './session';

export interface RedfishFollowUpdateInput extends RedfishCallInput {
  imageUri: string;
  startedAfter: string;
  expectVersion?: string;
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

export function followUpdateActivity(deps: RedfishDeps) {
  return {
    async redfishFollowUpdate(input: RedfishFollowUpdateInput): Promise<RedfishFollowUpdateResult> {
      const ctx = Context.current();
      const retried = ctx.info.attempt > 1;
      return withBmc(deps, input, `follow the install of ${input.imageUri}`, async (s, t) => {
        let ref =
          (retried ? await s.findUpdateTask(input.imageUri, findOptions(input)) : undefined) ?? input.task;
        for (let looks = 1; ; looks++) {
          // The client throws for Exception, Killed and Cancelled, naming the cause from the task's Messages.
          let st: TaskStatus;
          try {
            st = await s.task(ref);
          } catch (err) {
            // A task the BMC no longer has: done if the DPU reports the version, else lost with the BMC.
            if (!isRedfishError(err, 'NotFound')) throw err;
            const found = await s.findUpdateTask(input.imageUri, findOptions(input));
            if (!found?.installed) throw updateLost(t, ref.task, input.expectVersion);
            ref = found;
            st = await s.task(ref);
          }
          const said = describeMessages(st.messages.slice(-1));
          const progress: UpdateTaskProgress = {
            task: ref.task,
            state: st.state,
            ...(st.percentComplete !== undefined ? { percent: st.percentComplete } : {}),
            ...(said ? { message: said } : {}),
          };
          ctx.heartbeat(progress);
          if (st.done) {
            return {
              task: ref.task,
              state: st.state,
              messages: st.messages.map((m) => m.Message ?? ''),
              looks,
            };
          }
          await ctx.sleep(st.retryAfterMs ?? input.pollSeconds * 1000);
        }
      });
    },
  };
}
