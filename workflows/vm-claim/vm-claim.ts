/**
 * VmClaim: a VF of a PF for a running VM (Harvester's vf-provisioner).
 *
 *   claim a free VF (create one, through 0, if none) → bind vfio-pci
 *   → QMP device_add → Attached … vmRelease → QMP device_del (DEVICE_DELETED)
 *   → rebind the original driver → unclaim
 *
 * A step that fails for good undoes the steps before it, newest first.
 */
import { ApplicationFailure, condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { failureMessage } from '../toolkit';
import { hostTaskQueue } from '../../model/task-queues';
import {
  vmClaimAttachedSignal,
  vmClaimStatusQuery,
  vmReleaseSignal,
  type VmClaimInput,
  type VmClaimStatus,
} from '../../model/vm-claim-api';
import { checkPciAddress } from '../../model/validation';
import { hostCalls, hotplugCalls } from './proxies';

export async function vmClaim(input: VmClaimInput): Promise<VmClaimStatus> {
  const bad =
    checkPciAddress(input?.pf) ??
    (/^[a-z0-9][-a-z0-9]{0,40}$/.test(input?.vm ?? '')
      ? undefined
      : `VM name ${JSON.stringify(input?.vm)} must be lowercase letters, digits and '-'`);
  if (bad) throw ApplicationFailure.nonRetryable(`VM claim refused: ${bad}`, 'BadClaimInput');
  const status: VmClaimStatus = { phase: 'Claiming', deviceId: `xpuflow-${input.vm}`.slice(0, 31) };
  let releaseReason: string | undefined;
  setHandler(vmClaimStatusQuery, () => status);
  setHandler(vmReleaseSignal, (r) => void (releaseReason ??= r?.reason ?? 'released'));

  const acts = hostCalls(input.node);
  const undo: Array<() => Promise<void>> = [];
  const unwind = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const claimed = await acts.vmClaimVf({ pf: input.pf, vm: input.vm });
    status.pciAddress = claimed.pciAddress;
    status.originalDriver = claimed.originalDriver;
    undo.push(() => acts.vmUnclaimVf({ pciAddress: claimed.pciAddress, vm: input.vm }));

    status.phase = 'Binding';
    undo.push(() => acts.vmRebindDriver({ pciAddress: claimed.pciAddress, driver: claimed.originalDriver }));
    await acts.vmBindVfio({ pciAddress: claimed.pciAddress });

    status.phase = 'HotPlugging';
    undo.push(() => acts.qmpDeviceDel({ qmpSocket: input.qmpSocket, id: status.deviceId as string }));
    await hotplugCalls(input.node).qmpDeviceAdd({
      qmpSocket: input.qmpSocket,
      id: status.deviceId as string,
      pciAddress: claimed.pciAddress,
    });
    status.phase = 'Attached';
    // Only a run started with notifyWorkflowId (a vfClaim's child) issues this command, so
    // the histories of CLI claims, which never carry it, replay as before.
    if (input.notifyWorkflowId)
      await getExternalWorkflowHandle(input.notifyWorkflowId).signal(vmClaimAttachedSignal, { ...status });
  } catch (err) {
    const failedAt = status.phase;
    status.lastError = failureMessage(err, {
      worker: `host worker for ${input.node}`,
      queue: hostTaskQueue(input.node),
      remedy: 'start it, or check the node name',
    });
    status.phase = 'Failed';
    await unwind();
    throw ApplicationFailure.nonRetryable(
      `VM ${input.vm}'s VF claim on ${input.node} PF ${input.pf} failed while ${failedAt}: ${status.lastError} (what it had done is undone)`,
      'VmClaimFailed',
    );
  }

  await condition(() => releaseReason !== undefined);
  status.phase = 'Releasing';
  await unwind();
  status.phase = 'Released';
  return status;
}
