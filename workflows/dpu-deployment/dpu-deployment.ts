/**
 * DpuDeployment: the one long-lived workflow behind a DPUDeployment object.
 *
 *   controller ──deploymentPlanned(plan)──▶ the sets' DPUs not on plan.revision
 *              ─▶ per DPU, at most maxUnavailable at once, ONE update: the DPU
 *                 gets the new template (BFB, flavor and the service revision
 *                 labels together), so its own flow drains once, flashes,
 *                 rejoins the DPU cluster labelled for the new services (whose
 *                 DPUServices select those labels), and is Ready
 *              ─▶ Ready (or Failed, naming the DPUs) ─▶ wait for the next plan
 *   a newer plan during a rollout: no DPU is cut short; the ones in flight
 *              finish, then the rollout starts over towards the newer plan
 *   controller ──deploymentDeleted──▶ ends (what the deployment made is owned by it)
 *
 * The plan and each DPU's step are answered by deploymentProgress
 * (`xpuflow deployment status NAME`). The controller has checked the plan
 * (templates exist, resources fit the flavor, the BFB satisfies each
 * template's versions) before it signals it: an unchecked plan never gets here.
 */
import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  deploymentDeletedSignal,
  deploymentPlannedSignal,
  deploymentProgressQuery,
  replacesPlan,
  type DeploymentPlan,
  type DeploymentProgress,
  type DpuDeploymentInput,
  type DpuStep,
} from '../../model/dpu-deployment-api';
import type { ObjectRef } from '../../model/resources/common';
import { failureMessage } from '../toolkit';
import { kubeCalls, settleWaits } from './proxies';

interface Run {
  ref: ObjectRef;
  plan?: DeploymentPlan;
  doneRevision?: string;
  deleting: boolean;
  pollSeconds: number;
  progress: DeploymentProgress;
}

export async function dpuDeployment(input: DpuDeploymentInput): Promise<string> {
  const run: Run = {
    ref: input.ref,
    plan: input.plan,
    doneRevision: input.doneRevision,
    deleting: false,
    // A DPU's update ending wakes the loop at once; the poll only notices DPUs the sets made meanwhile.
    pollSeconds: input.pollSeconds ?? 30,
    progress: { phase: 'Waiting', dpus: [], message: 'waiting for a plan from the controller' },
  };
  if (input.plan) run.progress.plan = input.plan;
  setHandler(deploymentPlannedSignal, (p) => {
    if (replacesPlan(p, run.plan)) run.plan = p;
  });
  setHandler(deploymentDeletedSignal, () => {
    run.deleting = true;
  });
  setHandler(deploymentProgressQuery, () => run.progress);

  while (!run.deleting) {
    await condition(() => run.deleting || (!!run.plan && run.plan.revision !== run.doneRevision));
    if (run.deleting) break;
    const plan = run.plan!;
    await rollOut(run, plan);
    if (run.plan === plan) run.doneRevision = plan.revision;
    if (workflowInfo().continueAsNewSuggested && !run.deleting)
      await continueAsNew<typeof dpuDeployment>({
        ...input,
        ...(run.plan ? { plan: run.plan } : {}),
        ...(run.doneRevision ? { doneRevision: run.doneRevision } : {}),
      });
  }
  run.progress.phase = 'Deleting';
  run.progress.message = 'the DPUDeployment was deleted; what it made goes with it (owner references)';
  return run.progress.message;
}

/** Moves every DPU of the plan's sets to plan.revision, one whole update per DPU. */
async function rollOut(run: Run, plan: DeploymentPlan): Promise<void> {
  const { progress } = run;
  const steps = new Map<string, { step: DpuStep; message?: string }>();
  const running = new Set<string>();
  let changed = 0;
  const show = () => {
    progress.dpus = [...steps].sort(([a], [b]) => a.localeCompare(b)).map(([dpu, s]) => ({ dpu, ...s }));
  };
  progress.plan = plan;
  progress.phase = 'RollingOut';
  progress.message = `moving the DPUs to revision ${plan.revision}: ${describePlan(plan)}`;
  await say(run, 'True', 'RolloutStarted', progress.message);

  const replaced = () => run.deleting || run.plan !== plan;
  for (;;) {
    const health = (
      await Promise.all(
        plan.dpuSets.map((set) => kubeCalls.readDpuSetHealth({ namespace: run.ref.namespace, name: set })),
      )
    ).flat();
    for (const h of health) {
      const current = h.templateHash === plan.revision;
      // A failed DPU stays failed (not updated again by this plan) until it is Ready on it (an operator's retry).
      if (running.has(h.name) || (steps.get(h.name)?.step === 'Failed' && !(current && h.ready))) continue;
      // A DPU the set made on this revision that its own flow parked in Error: failed, not waited for.
      if (current && h.phase === 'Error')
        steps.set(h.name, { step: 'Failed', message: 'its provisioning parked in Error (see the DPU)' });
      else steps.set(h.name, { step: current && h.ready ? 'Ready' : current ? 'Updating' : 'Pending' });
    }
    show();
    const outdated = health.filter(
      (h) => h.templateHash !== plan.revision && !running.has(h.name) && steps.get(h.name)?.step !== 'Failed',
    );
    if (replaced() && running.size === 0) return;
    if (
      outdated.length === 0 &&
      running.size === 0 &&
      health.every((h) => steps.get(h.name)?.step !== 'Updating')
    )
      break;
    if (!replaced()) {
      // DPUs already down go first: updating them costs no availability.
      const down = new Set(health.filter((h) => !h.ready && !running.has(h.name)).map((h) => h.name));
      outdated.sort((a, b) => Number(down.has(b.name)) - Number(down.has(a.name)));
      const othersDown = [...down].filter((n) => !outdated.some((o) => o.name === n)).length;
      for (const o of outdated) {
        const alreadyDown = down.has(o.name);
        if (!alreadyDown && running.size + othersDown >= plan.maxUnavailable) break;
        running.add(o.name);
        steps.set(o.name, { step: 'Updating' });
        show();
        void updateOne(run, plan, o.name)
          .then(
            (r) => steps.set(o.name, r.ready ? { step: 'Ready' } : { step: 'Failed', message: r.message }),
            (err: unknown) => steps.set(o.name, { step: 'Failed', message: failureMessage(err) }),
          )
          .finally(() => {
            running.delete(o.name);
            show();
            changed++;
          });
      }
    }
    const seen = changed;
    await condition(
      () => changed !== seen || (replaced() && running.size === 0),
      `${run.pollSeconds} seconds`,
    );
  }

  const failed = progress.dpus.filter((d) => d.step === 'Failed');
  if (failed.length) {
    progress.phase = 'Failed';
    progress.message = `revision ${plan.revision}: ${failed.length} of ${progress.dpus.length} DPUs failed: ${failed.map((f) => `${f.dpu}: ${f.message}`).join('; ')}; fix the cause and retry those DPUs (xpuflow dpu retry), or change the deployment`;
    await say(run, 'False', 'RolloutFailed', progress.message, 'Warning');
  } else {
    progress.phase = 'Ready';
    progress.message = `all ${progress.dpus.length} DPUs on revision ${plan.revision}: ${describePlan(plan)}`;
    await say(run, 'False', 'RolloutComplete', progress.message);
  }
}

/** One DPU's one update: the new template at once, then its own flow (drain, flash, rejoin with the service labels) to Ready. */
async function updateOne(
  run: Run,
  plan: DeploymentPlan,
  dpu: string,
): Promise<{ ready: boolean; message: string }> {
  const ref = { namespace: run.ref.namespace, name: dpu };
  const generation = await kubeCalls.updateDpuToTemplate({
    dpu: ref,
    spec: plan.template,
    templateHash: plan.revision,
  });
  return settleWaits(plan.settleTimeoutSeconds).awaitDpuSettled({
    dpu: ref,
    generation,
    timeoutSeconds: plan.settleTimeoutSeconds,
  });
}

function describePlan(plan: DeploymentPlan): string {
  return `BFB ${plan.template.bfb}${plan.template.flavor ? `, flavor ${plan.template.flavor}` : ''}; ${plan.services.map((s) => `${s.service} ${s.chart} ${s.version} (${s.dpuService})`).join(', ')}`;
}

function say(
  run: Run,
  status: 'True' | 'False',
  reason: string,
  message: string,
  type: 'Normal' | 'Warning' = 'Normal',
): Promise<void> {
  return kubeCalls.reportDpuDeployment({
    deployment: run.ref,
    condition: { type: 'RolloutProgressing', status, reason, message },
    event: { type, reason, message },
  });
}
