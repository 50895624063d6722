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
 *
 * Under LOCAL_KUBE_CALLS the set's status writes and health reads are local
 * activities (one marker each, in the workflow task that launches or waits),
 * and the children write their DPU's spec the same way (`localUpdate`).
 */
import {
  ChildWorkflowHandle,
  condition,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { KubeActivities } from '../../activities/kube';
import { rolloutDpuWorkflowId } from '../../model/workflow-ids';
import {
  plannedBatches,
  rolloutProgressQuery,
  setPausedSignal,
  type DpuSetRolloutInput,
  type DpuSetRolloutProgress,
} from '../../model/dpuset-api';
import { kubeCalls, kubeLocalCalls } from './proxies';
import { rolloutDpu } from './rollout-dpu';

type SetReport = Parameters<KubeActivities['reportDpuSet']>[0];

/**
 * Issue 16 "fewer round trips per flow": the rollout's Kubernetes calls are
 * local activities, and so is each child's spec write. Rollouts started
 * before it (test/histories/dpuset-rollout-complete.json) replay with
 * activities, and start their children without `localUpdate`.
 */
export const LOCAL_KUBE_CALLS = 'dpuset-rollout-local-kube-calls';

/**
 * Issue 16 "rollout makespan": a freed slot is refilled at once. A child that
 * ends while the rollout is launching (its end arrives with a child's start)
 * wakes the next look instead of being missed until the health look 5 s on,
 * and the set's status is written after the launches rather than before them.
 * Rollouts started before it (test/histories/dpuset-rollout-local-kube-calls.json)
 * replay on the old loop.
 */
export const REFILL_AT_ONCE = 'dpuset-rollout-refill-at-once';

export async function dpusetRollout(input: DpuSetRolloutInput): Promise<DpuSetRolloutProgress> {
  // Read once, first: the whole rollout takes one path.
  const r = new Rollout(input, patched(LOCAL_KUBE_CALLS));
  const refillAtOnce = patched(REFILL_AT_ONCE);
  setHandler(setPausedSignal, (p) => {
    r.progress.paused = p;
  });
  setHandler(rolloutProgressQuery, () => r.progress);
  if (input.dryRun) {
    await r.reportPlan();
    return r.progress;
  }

  await r.say(
    'True',
    'RolloutStarted',
    `updating ${r.queue.length} DPUs, at most ${input.maxUnavailable} unavailable at once`,
  );
  if (refillAtOnce) await r.rollRefillingAtOnce();
  else {
    while (r.queue.length > 0 || r.running.size > 0) {
      await r.stopIfOverBudget();
      if (!r.progress.paused && !r.progress.stopped && r.queue.length > 0) await r.launchWhatFits();
      if (r.progress.stopped && r.running.size === 0) break;
      if (await r.nextChange()) await r.writeStatus({});
    }
  }
  if (!r.progress.stopped) await r.sayFinished();
  return r.progress;
}

/** One rollout's state: DPUs still to go, children running, and what the set's status says. */
class Rollout {
  readonly progress: DpuSetRolloutProgress;
  readonly queue: string[];
  readonly running = new Map<string, ChildWorkflowHandle<typeof rolloutDpu>>();
  private changed = 0; // bumps when a child ends, to wake the loop
  private readonly kube: KubeActivities;

  constructor(
    private readonly input: DpuSetRolloutInput,
    private readonly local: boolean,
  ) {
    this.kube = local ? kubeLocalCalls : kubeCalls;
    this.queue = [...input.dpus];
    this.progress = { total: input.dpus.length, updated: [], failed: [], inFlight: [], paused: input.paused };
  }

  /** The one writer of the set's status during a rollout (and of the rollout-progress share). */
  async writeStatus(extra: Pick<SetReport, 'condition' | 'event'>): Promise<void> {
    const { input, progress } = this;
    const done = progress.updated.length + progress.failed.length;
    await this.kube.reportDpuSet({
      set: input.set,
      status: { updated: progress.updated.length, failed: progress.failed.length, ...this.link() },
      ...extra,
      progress: {
        rollout: workflowInfo().workflowId,
        ratio: input.dpus.length === 0 ? 1 : done / input.dpus.length,
      },
    });
  }

  say(status: 'True' | 'False', reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal') {
    return this.writeStatus({
      condition: { type: 'RolloutProgressing', status, reason, message },
      event: { type, reason, message },
    });
  }

  async reportPlan(): Promise<void> {
    const { input } = this;
    const batches = plannedBatches(input.dpus, input.maxUnavailable);
    await this.kube.reportDpuSet({
      set: input.set,
      status: { plannedBatches: batches, ...this.link() },
      condition: {
        type: 'RolloutPlanned',
        status: 'True',
        reason: 'DryRun',
        message: `dry run: ${input.dpus.length} DPUs in ${batches.length} batches of at most ${input.maxUnavailable}: ${batches.map((b) => `[${b.join(', ')}]`).join(' ')}`,
      },
    });
  }

  async stopIfOverBudget(): Promise<void> {
    const { progress, input } = this;
    if (progress.stopped || progress.failed.length <= input.failureBudget) return;
    progress.stopped = `${progress.failed.length} DPUs failed (budget ${input.failureBudget}): ${progress.failed.map((f) => `${f.dpu}: ${f.message}`).join('; ')}`;
    await this.say('False', 'RolloutStopped', `rollout stopped: ${progress.stopped}`, 'Warning');
  }

  /** Launches children while the set's unavailable DPUs stay within maxUnavailable. */
  async launchWhatFits(): Promise<void> {
    const health = await this.kube.readDpuSetHealth(this.input.set);
    const down = new Set(health.filter((x) => !x.ready).map((x) => x.name));
    // DPUs already down go first: updating them costs no availability (as a DaemonSet replaces unhealthy pods first).
    this.queue.sort((a, b) => Number(down.has(b)) - Number(down.has(a)));
    let othersDown = [...down].filter((n) => !this.running.has(n)).length;
    while (this.queue.length > 0) {
      const alreadyDown = down.has(this.queue[0]);
      if (!alreadyDown && this.running.size + othersDown >= this.input.maxUnavailable) break;
      const dpu = this.queue.shift()!;
      if (alreadyDown) othersDown--;
      this.running.set(dpu, await this.launch(dpu));
      this.progress.inFlight = [...this.running.keys()];
    }
  }

  /**
   * The loop under REFILL_AT_ONCE: what changed is noted before launching, so
   * a child that ends during the launches (its end can arrive with another
   * child's start) wakes the next look at once; the set's status is written
   * once the freed slots are refilled, not before the launches.
   */
  async rollRefillingAtOnce(): Promise<void> {
    let written = this.changed;
    const writeIfChanged = async () => {
      if (this.changed === written) return;
      written = this.changed;
      await this.writeStatus({});
    };
    while (this.queue.length > 0 || this.running.size > 0) {
      await this.stopIfOverBudget();
      const seen = this.changed;
      const paused = this.progress.paused;
      if (!this.progress.paused && !this.progress.stopped && this.queue.length > 0)
        await this.launchWhatFits();
      await writeIfChanged();
      if (this.progress.stopped && this.running.size === 0) break;
      await this.nextChange(seen, paused);
    }
    // The last ends' counts (a finished rollout's are written with its closing condition).
    if (this.progress.stopped) await writeIfChanged();
  }

  /** Waits for a child to end, a pause change, or the next health look (since `seen`); true when a child ended. */
  async nextChange(seen = this.changed, paused = this.progress.paused): Promise<boolean> {
    await condition(
      () => this.changed !== seen || this.progress.paused !== paused,
      `${this.input.healthPollSeconds ?? 5} seconds`,
    );
    return this.changed !== seen;
  }

  sayFinished(): Promise<void> {
    const { progress, input } = this;
    const failed = progress.failed.length;
    return this.say(
      'False',
      failed > 0 ? 'RolloutFinishedWithFailures' : 'RolloutComplete',
      `${progress.updated.length} of ${progress.total} DPUs updated${failed ? `, ${failed} failed (within budget ${input.failureBudget})` : ''}`,
      failed > 0 ? 'Warning' : 'Normal',
    );
  }

  private async launch(dpu: string): Promise<ChildWorkflowHandle<typeof rolloutDpu>> {
    const { input, progress } = this;
    const child = await startChild(rolloutDpu, {
      workflowId: rolloutDpuWorkflowId(input.set, input.templateHash, dpu),
      args: [
        {
          set: input.set,
          dpu,
          template: input.template,
          templateHash: input.templateHash,
          settleTimeoutSeconds: input.settleTimeoutSeconds,
          ...(this.local ? { localUpdate: true } : {}),
        },
      ],
    });
    void child
      .result()
      .then((r) => (r.ready ? progress.updated.push(dpu) : progress.failed.push({ dpu, message: r.message })))
      .catch((err: Error) => progress.failed.push({ dpu, message: err.message }))
      .finally(() => {
        this.running.delete(dpu);
        progress.inFlight = [...this.running.keys()];
        this.changed++;
      });
    return child;
  }

  private link() {
    return this.input.workflowUrl ? { rolloutWorkflowUrl: this.input.workflowUrl } : {};
  }
}
