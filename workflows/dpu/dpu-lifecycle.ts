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

export async function dpuLifecycle(input: DpuLifecycleInput): Promise<string> {
  let desired: DesiredDpu | undefined = input.desired;
  let applied = input.applied ?? 0;
  let appliedRevision = input.appliedFlavorRevision;
  let provisioned: DpuSpec | undefined = input.provisioned;
  let deleting = input.deleting ?? false;
  let running: string | undefined;

  setHandler(specChangedSignal, (d) => {
    if (!desired || isNewer(d, desired)) desired = d;
  });
  setHandler(deleteRequestedSignal, () => {
    deleting = true;
  });
  setHandler(reprovisionSignal, () => {
    if (desired && applied >= desired.generation) applied = desired.generation - 1;
  });
  setHandler(lifecycleStateQuery, () => ({
    desiredGeneration: desired?.generation,
    appliedGeneration: applied,
    desiredFlavorRevision: desired?.flavorRevision,
    appliedFlavorRevision: appliedRevision,
    running,
    deleting,
  }));

  while (!deleting) {
    await condition(
      () =>
        deleting ||
        (desired !== undefined && isNewer(desired, { generation: applied, flavorRevision: appliedRevision })),
    );
    if (deleting) break;
    const d = desired!;
    const kind = provisioned ? 'update' : 'provision';
    const ref = d.spec.kube!.ref;
    // Only a flavor revision can bring the same generation back here (isNewer); runs before the patch never carry one.
    running =
      provisioned && d.generation === applied && d.flavorRevision && patched(FLAVOR_REVISION_UPDATE)
        ? dpuFlavorRevisionWorkflowId(ref, d.generation, d.flavorRevision)
        : dpuGenerationWorkflowId(kind, ref, d.generation);
    const outcome = await runFlow(running, d, provisioned, () => deleting);
    running = undefined;
    applied = d.generation;
    appliedRevision = d.flavorRevision;
    // What the host carries now: the new spec once any of its flow ran.
    provisioned = d.spec;
    if (outcome && outcome !== 'deleting' && outcome.phase !== Phase.Ready && outcome.phase !== Phase.Error)
      break;
    if (workflowInfo().continueAsNewSuggested && !deleting) {
      await continueAsNew<typeof dpuLifecycle>({
        ref: input.ref,
        desired,
        applied,
        ...(appliedRevision !== undefined ? { appliedFlavorRevision: appliedRevision } : {}),
        provisioned,
        deleting,
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
 * child to undo what it did; returns its status, 'deleting', or undefined
 * when it failed.
 */
async function runFlow(
  workflowId: string,
  d: DesiredDpu,
  provisioned: DpuSpec | undefined,
  deleteRequested: () => boolean,
): Promise<DpuStatus | 'deleting' | undefined> {
  const scope = new CancellationScope();
  const flow = scope.run(() =>
    executeChild(provisioned ? updateDpu : provisionDpu, {
      workflowId,
      args: provisioned
        ? [{ spec: d.spec, previous: provisioned, onError: 'return' as const }]
        : [{ spec: d.spec, onError: 'return' as const }],
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    }),
  );
  const outcome = await Promise.race([
    flow.then((s: DpuStatus) => s).catch((err: unknown) => childFailed(workflowId, err)),
    condition(deleteRequested).then(() => 'deleting' as const),
  ]);
  if (outcome === 'deleting') {
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
