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

/**
 * Asks the lease to release (it detaches). A release the lease refuses is
 * tolerated only when the lease is, by then, gone, releasing or another
 * pod's: DEL must succeed when what it undoes is already gone
 * (containernetworking/cni SPEC.md @7958b9f0ccbbc1be2028d7cf7ed8971c4832f259,
 * "Plugins should generally complete a DEL action without error even if some
 * resources are missing"), and the refusal is still logged. A lease that
 * still holds the VF for this container fails the DEL (the runtime repeats it).
 */
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
    const refusal = rootMessage(err);
    const now = await runningLease(state.opts.client, state.opts.node, pci).catch((e: Error) => {
      throw new CniError(
        CniCode.TryAgainLater,
        `the lease of VF ${pci} refused the release (${refusal}) and cannot be read again: ${e.message}; DEL again`,
      );
    });
    const stillOurs =
      now &&
      now.phase !== 'Released' &&
      now.phase !== 'Releasing' &&
      (now.containerId === req.containerId || (pod && now.pod && podKey(now.pod) === podKey(pod)));
    if (stillOurs) {
      throw new CniError(
        CniCode.TryAgainLater,
        `the lease of VF ${pci} refused the release and still holds it for container ${req.containerId}: ${refusal}; DEL again`,
      );
    }
    (state.opts.log ?? console.error)(
      `CNI DEL of container ${req.containerId}: the lease of VF ${pci} refused the release (${refusal}); ` +
        `it is ${now ? `now ${now.phase}${now.pod ? ` for pod ${podKey(now.pod)}` : ''}` : 'gone'}, so nothing of this container is left to release`,
    );
  }
}
