/**
 * DpuSetRollout: move a DPUSet's DPUs to a new template, a child per DPU.
 *
 *   loop:  read the set's health ─▶ launch while (in flight + others down) < maxUnavailable
 *          ─▶ wait for a child to end, a pause change, or the next health look
 *   stop:  more than failureBudget DPUs failed ─▶ no new launches, wait for the
 *          running ones, condition RolloutStopped naming the failures
 *
 * maxUnavailable counts every DPU of the set that is not Ready, not only the
 * rollout's own, so a DPU already down elsewhere takes a slot.
 */
import { ChildWorkflowHandle, condition, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import { rolloutDpuWorkflowId } from '../../model/workflow-ids';
import {
  plannedBatches,
  rolloutProgressQuery,
  setPausedSignal,
  type DpuSetRolloutInput,
  type DpuSetRolloutProgress,
} from '../../model/dpuset-api';
import { kube } from '../dpu/proxies';
import { rolloutDpu } from './rollout-dpu';

export async function dpusetRollout(input: DpuSetRolloutInput): Promise<DpuSetRolloutProgress> {
  const { set } = input;
  const progress: DpuSetRolloutProgress = {
    total: input.dpus.length,
    updated: [],
    failed: [],
    inFlight: [],
    paused: input.paused,
  };
  setHandler(setPausedSignal, (p) => {
    progress.paused = p;
  });
  setHandler(rolloutProgressQuery, () => progress);
  const link = input.workflowUrl ? { rolloutWorkflowUrl: input.workflowUrl } : {};
  const share = () => ({
    rollout: workflowInfo().workflowId,
    ratio:
      input.dpus.length === 0 ? 1 : (progress.updated.length + progress.failed.length) / input.dpus.length,
  });

  if (input.dryRun) {
    const batches = plannedBatches(input.dpus, input.maxUnavailable);
    await kube.reportDpuSet({
      set,
      status: { plannedBatches: batches, ...link },
      condition: {
        type: 'RolloutPlanned',
        status: 'True',
        reason: 'DryRun',
        message: `dry run: ${input.dpus.length} DPUs in ${batches.length} batches of at most ${input.maxUnavailable}: ${batches.map((b) => `[${b.join(', ')}]`).join(' ')}`,
      },
    });
    return progress;
  }

  const queue = [...input.dpus];
  const running = new Map<string, ChildWorkflowHandle<typeof rolloutDpu>>();
  let changed = 0; // bumps when a child ends, to wake the loop
  const say = (
    status: 'True' | 'False',
    reason: string,
    message: string,
    type: 'Normal' | 'Warning' = 'Normal',
  ) =>
    kube.reportDpuSet({
      set,
      status: { updated: progress.updated.length, failed: progress.failed.length, ...link },
      condition: { type: 'RolloutProgressing', status, reason, message },
      event: { type, reason, message },
      progress: share(),
    });
  const launch = async (dpu: string) => {
    const child = await startChild(rolloutDpu, {
      workflowId: rolloutDpuWorkflowId(set, input.templateHash, dpu),
      args: [
        {
          set,
          dpu,
          template: input.template,
          templateHash: input.templateHash,
          settleTimeoutSeconds: input.settleTimeoutSeconds,
        },
      ],
    });
    void child
      .result()
      .then((r) => (r.ready ? progress.updated.push(dpu) : progress.failed.push({ dpu, message: r.message })))
      .catch((err: Error) => progress.failed.push({ dpu, message: err.message }))
      .finally(() => {
        running.delete(dpu);
        progress.inFlight = [...running.keys()];
        changed++;
      });
    return child;
  };
  await say(
    'True',
    'RolloutStarted',
    `updating ${queue.length} DPUs, at most ${input.maxUnavailable} unavailable at once`,
  );

  while (queue.length > 0 || running.size > 0) {
    if (!progress.stopped && progress.failed.length > input.failureBudget) {
      progress.stopped = `${progress.failed.length} DPUs failed (budget ${input.failureBudget}): ${progress.failed.map((f) => `${f.dpu}: ${f.message}`).join('; ')}`;
      await say('False', 'RolloutStopped', `rollout stopped: ${progress.stopped}`, 'Warning');
    }
    if (!progress.paused && !progress.stopped && queue.length > 0) {
      const health = await kube.readDpuSetHealth(set);
      const down = new Set(health.filter((x) => !x.ready).map((x) => x.name));
      // DPUs already down go first: updating them costs no availability (as a DaemonSet replaces unhealthy pods first).
      queue.sort((a, b) => Number(down.has(b)) - Number(down.has(a)));
      let othersDown = [...down].filter((n) => !running.has(n)).length;
      while (queue.length > 0) {
        const alreadyDown = down.has(queue[0]);
        if (!alreadyDown && running.size + othersDown >= input.maxUnavailable) break;
        const dpu = queue.shift()!;
        if (alreadyDown) othersDown--;
        running.set(dpu, await launch(dpu));
        progress.inFlight = [...running.keys()];
      }
    }
    if (progress.stopped && running.size === 0) break;
    const seen = changed;
    const paused = progress.paused;
    await condition(
      () => changed !== seen || progress.paused !== paused,
      `${input.healthPollSeconds ?? 5} seconds`,
    );
    if (changed !== seen) {
      await kube.reportDpuSet({
        set,
        status: { updated: progress.updated.length, failed: progress.failed.length, ...link },
        progress: share(),
      });
    }
  }

  if (progress.stopped) return progress;
  await say(
    'False',
    progress.failed.length > 0 ? 'RolloutFinishedWithFailures' : 'RolloutComplete',
    `${progress.updated.length} of ${progress.total} DPUs updated${progress.failed.length ? `, ${progress.failed.length} failed (within budget ${input.failureBudget})` : ''}`,
    progress.failed.length > 0 ? 'Warning' : 'Normal',
  );
  return progress;
}
