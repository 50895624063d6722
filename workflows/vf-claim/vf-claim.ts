/**
 * vfClaim: a guest cluster's VFClaim carried to the host, Temporal being the
 * only broker between the two clusters (no credentials of one in the other).
 *
 *   guest controller ──signalWithStart──▶ vfClaim
 *     guest worker  resolveGuestPodVm (a pod claim: its guest node, named after its VM)
 *     control       authorizeGuestVfClaim (the host's grants: may this guest claim this VM, PF, pool?)
 *     host worker   vfClaimPreflight (PF or pool here? VM's QMP socket here?) — nothing made before it
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
  patched,
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
  let vm = spec.vmName ?? '';
  let forPod = '';
  if (spec.podName !== undefined) {
    // Only claims naming a pod (none before podName existed) make this call.
    try {
      const found = await toGuest.resolveGuestPodVm({ guest, pod: spec.podName });
      vm = found.vm;
      forPod = ` for pod ${guest.namespace}/${spec.podName} (guest node ${found.guestNode})`;
    } catch (err) {
      return failAndWaitRelease(failureMessage(err));
    }
  }
  // The host's grants (model/vf-claim-grants.ts); runs started before they existed replay without.
  if (patched('vf-claim-guest-grants')) {
    const { refused } = await hostClusterCalls.authorizeGuestVfClaim({
      cluster: guest.cluster,
      vm,
      ...(spec.pool !== undefined ? { pool: spec.pool } : { pfAddress: spec.pfAddress }),
    });
    if (refused) return failAndWaitRelease(`refused${forPod}: ${refused}`);
  }
  let qmpSocket: string;
  let pf: string;
  try {
    const checked = await hostChecks(spec.nodeName).vfClaimPreflight({
      ...(spec.pool !== undefined ? { pool: spec.pool } : { pf: spec.pfAddress }),
      vm,
    });
    qmpSocket = checked.qmpSocket;
    // Results recorded before pools existed carry no pf: it was the spec's.
    pf = checked.pf ?? (spec.pfAddress as string);
  } catch (err) {
    const why = failureMessage(err, hint);
    return failAndWaitRelease(forPod ? `VM ${vm}${forPod}: ${why}` : why);
  }
  if (released) {
    await toGuest.releaseGuestVfClaim({ guest });
    return status;
  }

  const from = spec.pool !== undefined ? `${pf} (pool ${spec.pool})` : pf;
  await report({
    phase: 'Claiming',
    message: `claiming a VF of ${from} on ${spec.nodeName} for VM ${vm}${forPod}`,
    pfAddress: pf,
    vmName: vm,
  });
  const hostRef = await hostClusterCalls.applyHostVfClaim({ guest, spec, workflowId });
  const vmClaimId = vmClaimWorkflowId(spec.nodeName, vm, pf);
  // By its registered name (model/workflow-types.ts): nothing borrows from another flow's folder.
  const vmInput = {
    node: spec.nodeName,
    pf,
    vm,
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
      `VM ${vm} already has a claim on ${pf} of ${spec.nodeName} (workflow ${vmClaimId}): release it first`,
    );
  }
  let outcome: { failure?: unknown } | undefined;
  const childDone = child.result().then(
    () => void (outcome = {}),
    (failure: unknown) => void (outcome = { failure }),
  );

  await condition(() => attached !== undefined || outcome !== undefined || released);
  if (attached && !outcome) {
    const vf = { phase: 'Attached' as const, vfAddress: attached.pciAddress, pfAddress: pf, vmName: vm };
    const message = `VF ${attached.pciAddress} of ${from} on ${spec.nodeName} is in VM ${vm}${forPod} (QMP id ${attached.deviceId})`;
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
