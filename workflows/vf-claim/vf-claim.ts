/**
 * vfClaim: a guest cluster's VFClaim carried to the host, Temporal being the
 * only broker between the two clusters (no credentials of one in the other).
 *
 *   guest controller ──signalWithStart──▶ vfClaim
 *     host worker   vfClaimPreflight (PF here? VM's QMP socket here?) — nothing made before it
 *     control       applyHostVfClaim (the host cluster's mirror, host credentials)
 *     child         vmClaim (create VF, vfio-pci, QMP device_add) ─vmClaimAttached─▶
 *     control/guest status Attached + the VF's address on both claims
 *   guest controller ──vfClaimRelease──▶ (the guest claim is being deleted)
 *     child         vmRelease: device_del, rebind, unclaim
 *     control       deleteHostVfClaim;  guest  releaseGuestVfClaim (its finalizer)
 *
 * A claim that fails (bad PF, no QMP socket, QEMU refusing) leaves nothing on
 * the host, reports Failed with the value named on both sides, and waits for
 * the guest claim's deletion to let it go.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ChildWorkflowFailure,
  condition,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { failureMessage } from '../toolkit';
import { hostTaskQueue } from '../../model/task-queues';
import { vmClaimWorkflowId } from '../../model/workflow-ids';
import { WorkflowType, type VmClaimWorkflow } from '../../model/workflow-types';
import {
  vfClaimReleaseSignal,
  vfClaimSpecProblem,
  vfClaimStatusQuery,
  type VfClaimInput,
} from '../../model/vf-claim-api';
import { vmClaimAttachedSignal, vmReleaseSignal, type VmClaimStatus } from '../../model/vm-claim-api';
import type { VfClaimStatus } from '../../model/resources/vf-claim';
import { guestCalls, hostChecks, hostClusterCalls } from './proxies';

export async function vfClaim(input: VfClaimInput): Promise<VfClaimStatus> {
  const { guest, spec } = input;
  const workflowId = workflowInfo().workflowId;
  const status: VfClaimStatus = { phase: 'Pending', workflowId };
  let released = false;
  let attached: VmClaimStatus | undefined;
  setHandler(vfClaimStatusQuery, () => status);
  setHandler(vfClaimReleaseSignal, () => void (released = true));
  setHandler(vmClaimAttachedSignal, (s) => void (attached = s));

  const toGuest = guestCalls(guest.cluster);
  const report = async (next: VfClaimStatus) => {
    Object.assign(status, next);
    await toGuest.reportGuestVfClaim({ guest, status: { ...status } });
  };
  const hint = {
    worker: `host worker for ${spec?.nodeName}`,
    queue: hostTaskQueue(spec?.nodeName ?? ''),
    remedy: 'start it, or fix spec.nodeName',
  };
  /** Failed on the guest's claim; the workflow then waits for the claim's deletion to release it. */
  const failAndWaitRelease = async (message: string) => {
    await report({ phase: 'Failed', message });
    await condition(() => released);
    await toGuest.releaseGuestVfClaim({ guest });
    return status;
  };

  const bad = vfClaimSpecProblem(spec);
  if (bad) return failAndWaitRelease(`${bad}: fix the VFClaim's spec`);
  let qmpSocket: string;
  try {
    ({ qmpSocket } = await hostChecks(spec.nodeName).vfClaimPreflight({
      pf: spec.pfAddress,
      vm: spec.vmName,
    }));
  } catch (err) {
    return failAndWaitRelease(failureMessage(err, hint));
  }
  if (released) {
    await toGuest.releaseGuestVfClaim({ guest });
    return status;
  }

  await report({ phase: 'Claiming', message: `claiming a VF of ${spec.pfAddress} on ${spec.nodeName}` });
  const hostRef = await hostClusterCalls.applyHostVfClaim({ guest, spec, workflowId });
  const vmClaimId = vmClaimWorkflowId(spec.nodeName, spec.vmName, spec.pfAddress);
  // By its registered name (model/workflow-types.ts): nothing borrows from another flow's folder.
  const vmInput = {
    node: spec.nodeName,
    pf: spec.pfAddress,
    vm: spec.vmName,
    qmpSocket,
    notifyWorkflowId: workflowId,
  };
  let child: ChildWorkflowHandle<VmClaimWorkflow>;
  try {
    child = await startChild<VmClaimWorkflow>(WorkflowType.vmClaim, {
      workflowId: vmClaimId,
      args: [vmInput],
    });
  } catch (err) {
    // The one start failure: a claim of this VM on this PF already runs (`xpuflow vf attach --vm`, say).
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    await hostClusterCalls.deleteHostVfClaim({ ref: hostRef });
    return failAndWaitRelease(
      `VM ${spec.vmName} already has a claim on ${spec.pfAddress} of ${spec.nodeName} (workflow ${vmClaimId}): release it first`,
    );
  }
  let outcome: { failure?: unknown } | undefined;
  const childDone = child.result().then(
    () => void (outcome = {}),
    (failure: unknown) => void (outcome = { failure }),
  );

  await condition(() => attached !== undefined || outcome !== undefined || released);
  if (attached && !outcome) {
    const vf = { phase: 'Attached' as const, vfAddress: attached.pciAddress };
    const message = `VF ${attached.pciAddress} of ${spec.pfAddress} on ${spec.nodeName} is in VM ${spec.vmName} (QMP id ${attached.deviceId})`;
    await hostClusterCalls.reportHostVfClaim({ ref: hostRef, status: { ...vf, message, workflowId } });
    await report({ ...vf, message });
    await condition(() => outcome !== undefined || released);
  }
  if (!outcome) {
    await report({ phase: 'Releasing', message: `unplugging and releasing ${status.vfAddress ?? 'the VF'}` });
    await child.signal(vmReleaseSignal, { reason: `guest VFClaim ${guest.namespace}/${guest.name} deleted` });
  }
  await childDone;
  await hostClusterCalls.deleteHostVfClaim({ ref: hostRef });
  if (outcome?.failure) {
    const cause = outcome.failure instanceof ChildWorkflowFailure ? outcome.failure.cause : outcome.failure;
    return failAndWaitRelease(failureMessage(cause, hint));
  }
  await toGuest.releaseGuestVfClaim({ guest });
  return status;
}
