/**
 * DpuLifecycle: the one long-lived workflow behind a DPU object.
 *
 *   controller ──specChanged(gen)──▶ lifecycle ──▶ ProvisionDpu (gen 1) / UpdateDpu (gen n)
 *   controller ──deleteRequested──▶ lifecycle ──▶ cancel the running flow ─▶ DeleteDpu ─▶ finalizer released
 *
 * A flavor whose content changes under the same generation (the controller's
 * flavorRevision) runs UpdateDpu again, as `update-dpu-…-g<n>-f<revision>`
 * (patched FLAVOR_REVISION_UPDATE: runs before it never see a revision).
 *
 * One flow at a time: a spec change during a flow waits for that flow to end
 * (a flash is never cut short for an edit); a delete cancels it, and the
 * cancelled flow undoes what it did before DeleteDpu runs.
 *
 * A flow that fails parks in Error with its run open (as a CLI-started
 * ProvisionDpu does), waiting for an operator's retry (`xpuflow dpu retry -n
 * NS NAME`, or the retry annotation the controller passes on). It tells the
 * lifecycle it parked (flowParked) and resumed (flowResumed): a spec change
 * while parked replaces the parked run (its undo ran when it parked; it is
 * cancelled, and the new generation starts); a delete while parked cancels it
 * and runs DeleteDpu. Runs before the patch PARKS_IN_ERROR ended their flow in
 * Error instead (onError 'return'), and replay that way.
 */
import {
  CancellationScope,
  ChildWorkflowCancellationType,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { dpuFlavorRevisionWorkflowId, dpuGenerationWorkflowId } from '../../model/workflow-ids';
import {
  deleteRequestedSignal,
  flowParkedSignal,
  flowResumedSignal,
  lifecycleStateQuery,
  reprovisionSignal,
  specChangedSignal,
  type DesiredDpu,
  type DpuLifecycleInput,
} from '../../model/dpu-lifecycle-api';
import type { DpuSpec, DpuStatus } from '../../model/dpu';
import { Phase } from '../../model/phases';
import { failureMessage } from '../toolkit';
import { deleteDpu } from './delete-dpu';
import { updateDpu } from './update-dpu';
import { provisionDpu } from './provision-dpu';

/** The patch behind a flow run again for a new flavor revision at the same generation. */
export const FLAVOR_REVISION_UPDATE = 'dpu-flavor-revision-update';

/** Whether `d` is news: a later generation, or the same one with another flavor revision. */
function isNewer(d: DesiredDpu, than: { generation: number; flavorRevision?: string }): boolean {
  return (
    d.generation > than.generation ||
    (d.generation === than.generation && (d.flavorRevision ?? '') !== (than.flavorRevision ?? ''))
  );
}

/**
 * From this patch on, a generation's flow parks in Error (onError 'park',
 * reportParked) instead of ending. Histories recorded before it
 * (test/histories/dpu-lifecycle-updated.json) replay with onError 'return';
 * once no such lifecycle can be running or replayed, turn this into
 * deprecatePatch(PARKS_IN_ERROR), then drop the 'return' branch.
 */
const PARKS_IN_ERROR = 'dpu-lifecycle-parks-in-error';
/**
 * A generation whose flow failed or was terminated (it threw instead of
 * returning its status) is not applied: the lifecycle keeps it as `failed`
 * and runs it again on `reprovision` (the retry annotation or
 * `xpuflow dpu retry -n` sends it when no run is parked). Before this patch
 * such a generation counted as applied and never ran again.
 */
const FAILED_CHILD_NOT_APPLIED = 'dpu-lifecycle-failed-child-not-applied';

type FlowOutcome = DpuStatus | 'deleting' | 'replaced' | undefined;

export async function dpuLifecycle(input: DpuLifecycleInput): Promise<string> {
  let desired: DesiredDpu | undefined = input.desired;
  let applied = input.applied ?? 0;
  let appliedRevision = input.appliedFlavorRevision;
  let provisioned: DpuSpec | undefined = input.provisioned;
  let deleting = input.deleting ?? false;
  let failed: { generation: number; flavorRevision?: string } | undefined = input.failed;
  let running: string | undefined;
  let parked: string | undefined;

  setHandler(specChangedSignal, (d) => {
    if (!desired || isNewer(d, desired)) desired = d;
  });
  setHandler(deleteRequestedSignal, () => {
    deleting = true;
  });
  setHandler(reprovisionSignal, () => {
    failed = undefined;
    if (desired && applied >= desired.generation) applied = desired.generation - 1;
  });
  setHandler(flowParkedSignal, ({ workflowId }) => {
    if (workflowId === running) parked = workflowId;
  });
  setHandler(flowResumedSignal, ({ workflowId }) => {
    if (workflowId === parked) parked = undefined;
  });
  setHandler(lifecycleStateQuery, () => ({
    ref: input.ref,
    desiredGeneration: desired?.generation,
    appliedGeneration: applied,
    desiredFlavorRevision: desired?.flavorRevision,
    appliedFlavorRevision: appliedRevision,
    running,
    ...(parked ? { parked } : {}),
    ...(failed !== undefined ? { failedGeneration: failed.generation } : {}),
    deleting,
  }));

  while (!deleting) {
    await condition(
      () =>
        deleting ||
        (desired !== undefined &&
          isNewer(desired, { generation: applied, flavorRevision: appliedRevision }) &&
          // A generation (and flavor revision) whose flow failed waits for `reprovision` or something newer.
          (failed === undefined || isNewer(desired, failed))),
    );
    if (deleting) break;
    const d = desired!;
    const kind = provisioned ? 'update' : 'provision';
    const ref = d.spec.kube!.ref;
    // Only a flavor revision can bring the same generation back here (isNewer); runs before the patch never carry one.
    const id =
      provisioned && d.generation === applied && d.flavorRevision && patched(FLAVOR_REVISION_UPDATE)
        ? dpuFlavorRevisionWorkflowId(ref, d.generation, d.flavorRevision)
        : dpuGenerationWorkflowId(kind, ref, d.generation);
    running = id;
    const parks = patched(PARKS_IN_ERROR);
    const outcome = await runFlow(id, d, provisioned, {
      parks,
      deleteRequested: () => deleting,
      // A newer generation (or flavor revision) while the flow waits in Error: nothing is running to cut short.
      replaced: () => parked === id && isNewer(desired!, d),
    });
    running = undefined;
    parked = undefined;
    if (outcome === undefined && patched(FAILED_CHILD_NOT_APPLIED)) {
      // Not applied: it waits for `reprovision`, a newer generation or the delete.
      failed = { generation: d.generation, flavorRevision: d.flavorRevision };
      continue;
    }
    applied = d.generation;
    appliedRevision = d.flavorRevision;
    // What the host carries now: the new spec once any of its flow ran.
    provisioned = d.spec;
    if (typeof outcome === 'object' && outcome.phase !== Phase.Ready && outcome.phase !== Phase.Error) break;
    if (workflowInfo().continueAsNewSuggested && !deleting) {
      await continueAsNew<typeof dpuLifecycle>({
        ref: input.ref,
        desired,
        applied,
        ...(appliedRevision !== undefined ? { appliedFlavorRevision: appliedRevision } : {}),
        provisioned,
        deleting,
        ...(failed !== undefined ? { failed } : {}),
      });
    }
  }

  const spec = provisioned ?? desired?.spec;
  running = spec?.kube ? dpuGenerationWorkflowId('delete', spec.kube.ref, 0) : undefined;
  if (spec?.kube) {
    await executeChild(deleteDpu, { workflowId: running!, args: [{ spec }] });
  }
  return `DPU ${input.ref.namespace}/${input.ref.name} deleted`;
}

/**
 * One generation's flow as a child: ProvisionDpu, or UpdateDpu once the host
 * carries a spec. A delete request cancels it and waits for the cancelled
 * child to undo what it did; so does a newer generation while the child is
 * parked in Error (`replaced`; its undo ran when it parked). Returns its
 * status, 'deleting', 'replaced', or undefined when it failed.
 */
async function runFlow(
  workflowId: string,
  d: DesiredDpu,
  provisioned: DpuSpec | undefined,
  on: { parks: boolean; deleteRequested: () => boolean; replaced: () => boolean },
): Promise<FlowOutcome> {
  // Before PARKS_IN_ERROR: the flow ends in Error; after: it parks and says so.
  const onError = on.parks
    ? ({ onError: 'park', reportParked: true } as const)
    : ({ onError: 'return' } as const);
  const scope = new CancellationScope();
  const flow = scope.run(() =>
    executeChild(provisioned ? updateDpu : provisionDpu, {
      workflowId,
      args: provisioned
        ? [{ spec: d.spec, previous: provisioned, ...onError }]
        : [{ spec: d.spec, ...onError }],
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    }),
  );
  const outcome = await Promise.race<FlowOutcome>([
    flow.then((s: DpuStatus) => s).catch((err: unknown) => childFailed(workflowId, err)),
    condition(on.deleteRequested).then(() => 'deleting' as const),
    ...(on.parks ? [condition(on.replaced).then(() => 'replaced' as const)] : []),
  ]);
  if (outcome === 'deleting' || outcome === 'replaced') {
    if (outcome === 'replaced')
      log.info('a newer generation replaces the flow parked in Error', { workflowId });
    scope.cancel();
    await flow.catch((err: unknown) => childFailed(workflowId, err));
  }
  return outcome;
}

/**
 * A child flow that threw rather than returning its status (a spec it refused,
 * a cancellation): the lifecycle goes on to the next generation or the delete,
 * and the failure is logged with the child's ID, where its own history tells the rest.
 */
function childFailed(workflowId: string, err: unknown): undefined {
  if (!isCancellation(err))
    log.warn('DPU flow ended with a failure', { workflowId, error: failureMessage(err) });
  return undefined;
}
