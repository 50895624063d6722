/**
 * CNI DEL, the undo of CNI ADD (cni-add.ts), in reverse: it releases the
 * VF's lease when the lease is this container's (the lease detaches), or
 * detaches locally from ADD's record when no lease is left; then it removes
 * the record. It tolerates what is already gone. The addresses are released
 * afterwards by xpuflow-cni, through the IPAM plugin's DEL.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { detachNetdev } from '../../activities/netdev';
import { parseNetConf, podFromArgs } from '../cni/config';
import { CniCode, CniError } from '../cni/errors';
import { releaseUpdate } from '../../model/vf-lease-api';
import { podKey, type AttachRecord, type PodRef } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { checkPciAddress } from '../../model/validation';
import type { CniRequest__Output } from '../../proto/load-vf';
import { runningLease } from './leases';
import { rootMessage, type CniState } from './cni-state';

export async function cniDel(state: CniState, req: CniRequest__Output): Promise<void> {
  const conf = parseNetConf(req.configJson, { forDel: true });
  let pod: PodRef | undefined;
  try {
    pod = podFromArgs(req.args);
  } catch {
    pod = undefined; // DEL does its best without one
  }
  const record = await state.records.findByContainer(req.containerId, req.ifname || undefined);
  const pci =
    record?.pciAddress ?? (checkPciAddress(conf.deviceID) === undefined ? conf.deviceID : undefined);
  if (pci) await detachVf(state, req, pci, record, pod);
}

/** Releases the lease if it is this container's, else detaches from the record; then drops the record. */
async function detachVf(
  state: CniState,
  req: CniRequest__Output,
  pci: string,
  record: AttachRecord | undefined,
  pod: PodRef | undefined,
): Promise<void> {
  const lease = await runningLease(state.opts.client, state.opts.node, pci).catch((err: Error) => {
    throw new CniError(CniCode.TryAgainLater, `cannot reach the lease of VF ${pci}: ${err.message}`);
  });
  const ours =
    lease &&
    (lease.containerId === req.containerId || (pod && lease.pod && podKey(lease.pod) === podKey(pod)));
  if (lease && ours) {
    await releaseLease(state, req, pci, pod);
  } else if (record) {
    await detachNetdev(record);
  }
  if (record) await state.records.remove(record.pciAddress);
}

/** Asks the lease to release (it detaches); a refused release means it is already going. */
async function releaseLease(
  state: CniState,
  req: CniRequest__Output,
  pci: string,
  pod: PodRef | undefined,
): Promise<void> {
  try {
    await state.opts.client.workflow
      .getHandle(vfLeaseWorkflowId(state.opts.node, pci))
      .executeUpdate(releaseUpdate, {
        args: [{ reason: `CNI DEL of container ${req.containerId}`, pod, containerId: req.containerId }],
      });
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) {
      throw new CniError(
        CniCode.TryAgainLater,
        `releasing VF ${pci} did not finish: ${rootMessage(err)}; DEL again`,
      );
    }
  }
}
