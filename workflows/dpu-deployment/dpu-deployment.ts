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
 *   controller ──deploymentDeleted──▶ (DPUs in flight finish) ─▶ DPUServices, chain, interfaces
 *              deleted and gone ─▶ DPUSets deleted and their DPUs gone ─▶ finalizer released ─▶ ends
 *
 * The plan and each DPU's step are answered by deploymentProgress
 * (`xpuflow deployment status NAME`). The controller has checked the plan
 * (templates exist, resources fit the flavor, the BFB satisfies each
 * template's versions) before it signals it: an unchecked plan never gets here.
 */
import { condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  deploymentDeletedSignal,
  deploymentDpusChangedSignal,
  deploymentPlannedSignal,
  deploymentProgressQuery,
  replacesPlan,
  type DeploymentPlan,
  type DeploymentProgress,
  type DpuDeploymentInput,
  type DpuStep,
} from '../../model/dpu-deployment-api';
import type { DpuHealth, TeardownStage } from '../../activities/kube';
import type { ObjectRef } from '../../model/resources/common';
import { dpuClusterNodeName } from '../../model/dpu-cluster-node';
import { failureMessage } from '../toolkit';
import { kubeCalls, servicesWaits, settleWaits } from './proxies';

/**
 * Marker: each DPU's rollout ends with a "services" step (its DPU-cluster node labelled with the
 * plan's service revisions, then its services running there) and a change of the services only
 * moves those labels without a new DPU template (no drain, no flash). Runs before it carried the
 * service labels in the DPU template, so any service change reflashed.
 */
export const DEPLOYMENT_SERVICES_STEP = 'dpu-deployment-services-step';
/** Marker: a deleted deployment's workflow removes what it made, in order, then releases its finalizer. */
export const DEPLOYMENT_TEARDOWN = 'dpu-deployment-teardown';

/** What a rollout has finished: the DPU template's revision, and the services' when the plan has one. */
export function planKey(plan: DeploymentPlan): string {
  return plan.servicesRevision ? `${plan.revision}/${plan.servicesRevision}` : plan.revision;
}

interface Run {
  ref: ObjectRef;
  plan?: DeploymentPlan;
  doneRevision?: string;
  deleting: boolean;
  pollSeconds: number;
  /** deploymentDpusChanged signals so far: each wakes a rollout waiting for its DPUs. */
  dpusChanged: number;
  progress: DeploymentProgress;
}

export async function dpuDeployment(input: DpuDeploymentInput): Promise<string> {
  const run: Run = {
    ref: input.ref,
    plan: input.plan,
    doneRevision: input.doneRevision,
    deleting: false,
    // A DPU's update ending, or the controller seeing the sets' DPUs change, wakes the loop at once; the poll is the fallback.
    pollSeconds: input.pollSeconds ?? 30,
    dpusChanged: 0,
    progress: { phase: 'Waiting', dpus: [], message: 'waiting for a plan from the controller' },
  };
  if (input.plan) run.progress.plan = input.plan;
  setHandler(deploymentPlannedSignal, (p) => {
    if (replacesPlan(p, run.plan)) run.plan = p;
  });
  setHandler(deploymentDeletedSignal, () => {
    run.deleting = true;
  });
  // Histories from before this signal have none of it: they wake and replay as they did.
  setHandler(deploymentDpusChangedSignal, () => {
    run.dpusChanged++;
  });
  setHandler(deploymentProgressQuery, () => run.progress);

  while (!run.deleting) {
    await condition(() => run.deleting || (!!run.plan && planKey(run.plan) !== run.doneRevision));
    if (run.deleting) break;
    const plan = run.plan!;
    await rollOut(run, plan);
    if (run.plan === plan) run.doneRevision = planKey(plan);
    if (workflowInfo().continueAsNewSuggested && !run.deleting)
      await continueAsNew<typeof dpuDeployment>({
        ...input,
        ...(run.plan ? { plan: run.plan } : {}),
        ...(run.doneRevision ? { doneRevision: run.doneRevision } : {}),
      });
  }
  run.progress.phase = 'Deleting';
  if (!patched(DEPLOYMENT_TEARDOWN)) {
    run.progress.message = 'the DPUDeployment was deleted; what it made goes with it (owner references)';
    return run.progress.message;
  }
  await tearDown(run);
  return run.progress.message;
}

/**
 * The deployment deleted: what it made goes in order (DPUServices, chain and interfaces; then the
 * DPUSets and so their DPUs), each stage awaited until nothing of it is left, the progress in the
 * deployment's Deleting condition; then its finalizer is released and the workflow ends.
 */
async function tearDown(run: Run): Promise<void> {
  const stages: Array<{ stage: TeardownStage; what: string }> = [
    { stage: 'services', what: 'the DPUServices, the DPUServiceChain and the DPUServiceInterfaces' },
    { stage: 'dpusets', what: 'the DPUSets and their DPUs' },
  ];
  for (const [i, { stage, what }] of stages.entries()) {
    let said = '';
    let wait = 1;
    for (;;) {
      const { left } = await kubeCalls.tearDownDeployment({ deployment: run.ref, stage });
      const counts = Object.entries(left).map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`);
      if (!counts.length) break;
      const message = `deleting what the DPUDeployment made (step ${i + 1} of ${stages.length}: ${what}): waiting for ${counts.join(', ')} to go`;
      run.progress.message = message;
      if (message !== said) await say(run, 'True', 'AwaitingDeletion', message, 'Normal', 'Deleting');
      said = message;
      // The controller's word that the sets' DPUs changed (one gone) ends the wait early. A condition's
      // timeout is the same timer a sleep starts, so histories from before replay alike.
      const dpusSeen = run.dpusChanged;
      await condition(() => run.dpusChanged !== dpusSeen, `${wait} seconds`);
      // Slowly longer (1, 2, 3 … 15 s): a stage that ends soon is seen soon, a long one costs few events.
      wait = Math.min(wait + 1, 15);
    }
  }
  run.progress.message =
    'deleted what the DPUDeployment made (services, chain, interfaces, DPUSets); released it';
  await say(run, 'False', 'Deleted', run.progress.message, 'Normal', 'Deleting');
  await kubeCalls.releaseDpuDeployment(run.ref);
}

/** Moves every DPU of the plan's sets to plan.revision (and its services), one whole update per DPU. */
async function rollOut(run: Run, plan: DeploymentPlan): Promise<void> {
  const { progress } = run;
  // Plans from before the services step carry no serviceLabels: they roll as they did.
  const withServices = !!plan.serviceLabels && patched(DEPLOYMENT_SERVICES_STEP);
  const steps = new Map<string, { step: DpuStep; message?: string }>();
  const running = new Set<string>();
  /** DPUs whose services step started for this plan: not started again by it (a failed one stays failed). */
  const servicesDone = new Set<string>();
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
    // Taken before the read: a change the read may have missed still wakes the wait below.
    const dpusSeen = run.dpusChanged;
    const health = (
      await Promise.all(
        plan.dpuSets.map((set) => kubeCalls.readDpuSetHealth({ namespace: run.ref.namespace, name: set })),
      )
    ).flat();
    const current = (h: DpuHealth) => h.templateHash === plan.revision;
    // A DPU on the template, Ready, whose services step has not run for this plan.
    const needsServices = (h: DpuHealth) =>
      withServices && current(h) && h.ready && !servicesDone.has(h.name);
    for (const h of health) {
      const failed = steps.get(h.name)?.step === 'Failed';
      // A failed DPU stays failed (not updated again by this plan) until it is Ready on it (an operator's retry).
      if (running.has(h.name) || (failed && (!(current(h) && h.ready) || servicesDone.has(h.name)))) continue;
      // A DPU the set made on this revision that its own flow parked in Error: failed, not waited for.
      if (current(h) && h.phase === 'Error')
        steps.set(h.name, { step: 'Failed', message: 'its provisioning parked in Error (see the DPU)' });
      else if (needsServices(h)) steps.set(h.name, { step: 'Pending' });
      else steps.set(h.name, { step: current(h) && h.ready ? 'Ready' : current(h) ? 'Updating' : 'Pending' });
    }
    show();
    const outdated = health.filter(
      (h) =>
        (!current(h) || needsServices(h)) && !running.has(h.name) && steps.get(h.name)?.step !== 'Failed',
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
        const servicesOnly = current(o);
        const toServices = () => {
          servicesDone.add(o.name);
          steps.set(o.name, { step: 'Services' });
          show();
        };
        if (servicesOnly) toServices();
        else steps.set(o.name, { step: 'Updating' });
        show();
        const job = servicesOnly
          ? servicesStep(run, plan, o.name)
          : updateOne(run, plan, o.name, withServices, toServices);
        void job
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
    // Woken by a DPU's update ending, by the controller seeing the sets' DPUs change (one the set made, or
    // whose own flow ended, Ready or in Error), or by the poll.
    await condition(
      () => changed !== seen || run.dpusChanged !== dpusSeen || (replaced() && running.size === 0),
      `${run.pollSeconds} seconds`,
    );
  }

  const failed = progress.dpus.filter((d) => d.step === 'Failed');
  if (failed.length) {
    progress.phase = 'Failed';
    progress.message = `revision ${plan.revision}: ${failed.length} of ${progress.dpus.length} DPUs failed: ${failed.map((f) => `${f.dpu}: ${f.message}`).join('; ')}; fix the cause and retry those DPUs (xpuflow dpu retry), or change the deployment`;
    await say(run, 'False', 'RolloutFailed', progress.message, 'Warning');
  } else {
    if (withServices) {
      // Every DPU runs this plan's services: the DPUServices of older revisions run nowhere any more.
      const keep = plan.services.map((s) => s.dpuService);
      const gone = await kubeCalls.pruneDeploymentServices({ deployment: run.ref, keep });
      if (gone.length)
        await say(
          run,
          'True',
          'DPUServiceDeleted',
          `deleted DPUService ${gone.join(', ')}: no DPU runs its revision any more`,
        );
    }
    progress.phase = 'Ready';
    progress.message = `all ${progress.dpus.length} DPUs on revision ${plan.revision}: ${describePlan(plan)}`;
    await say(run, 'False', 'RolloutComplete', progress.message);
  }
}

/** One DPU's one update: the new template at once, then its own flow (drain, flash, rejoin) to Ready, then its services. */
async function updateOne(
  run: Run,
  plan: DeploymentPlan,
  dpu: string,
  withServices: boolean,
  onServices: () => void,
): Promise<{ ready: boolean; message: string }> {
  const ref = { namespace: run.ref.namespace, name: dpu };
  const generation = await kubeCalls.updateDpuToTemplate({
    dpu: ref,
    spec: plan.template,
    templateHash: plan.revision,
  });
  const settled = await settleWaits(plan.settleTimeoutSeconds).awaitDpuSettled({
    dpu: ref,
    generation,
    timeoutSeconds: plan.settleTimeoutSeconds,
  });
  if (!withServices || !settled.ready) return settled;
  onServices();
  return servicesStep(run, plan, dpu);
}

/** The DPU's node labelled with the plan's service revisions, then each service running there. */
function servicesStep(
  run: Run,
  plan: DeploymentPlan,
  dpu: string,
): Promise<{ ready: boolean; message: string }> {
  const timeoutSeconds = plan.servicesTimeoutSeconds ?? 600;
  return servicesWaits(timeoutSeconds).awaitDpuServices({
    cluster: { namespace: run.ref.namespace, name: plan.template.cluster!.name },
    dpuNode: dpuClusterNodeName(run.ref.namespace, dpu),
    dpu,
    labels: plan.serviceLabels ?? {},
    services: plan.services.map((s) => ({ service: s.service, dpuService: s.dpuService })),
    timeoutSeconds,
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
  conditionType = 'RolloutProgressing',
): Promise<void> {
  return kubeCalls.reportDpuDeployment({
    deployment: run.ref,
    condition: { type: conditionType, status, reason, message },
    event: { type, reason, message },
  });
}
