/**
 * The two sides of a lease, each beside its undo:
 *
 *   xPU side   reserveXpu: OPI CreateBridgePort (MAC, VLAN)      │ release: OPI DeleteBridgePort
 *   host side  attach (CNI ADD): netns move into the pod          │ release: netns move back
 *
 * The host side runs as a local activity when the lease runs on its host's
 * queue (lease.ts onHost), else as an activity routed to that queue.
 *
 * The release undoes both, newest first (host, then xPU).
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { failureMessage } from '../toolkit';
import { podKey, type AttachRecord, type AttachRequest } from '../../model/vf';
import { dpuWorker, hostWorker, setPhase, type Lease } from './lease';
import {
  hostAttachCalls,
  hostLocalAttachCalls,
  hostLocalReleaseCalls,
  hostReleaseCalls,
  opiCalls,
  opiReleaseCalls,
} from './proxies';

/** The xPU side: a bridge port with the pod's MAC on the VLAN's logical bridge; a refusal releases the lease. */
export async function reserveXpu(lease: Lease): Promise<void> {
  const { input, status } = lease;
  try {
    const port = await opiCalls(input.xpu.dpu, input.xpu.namespace).opiEnsureBridgePort({
      id: lease.bridgePortId,
      mac: input.mac,
      vlan: input.xpu.vlan,
    });
    status.bridgePort = port.name;
    lease.xpuReady = true;
    if (status.phase === 'Reserving') setPhase(lease, 'Reserved');
  } catch (err) {
    status.lastError = `OPI CreateBridgePort on DPU ${input.xpu.dpu}: ${failureMessage(err, dpuWorker(input.xpu.dpu, input.xpu.namespace))}`;
    lease.release ??= { reason: status.lastError };
  }
}

/**
 * CNI ADD: the netns move runs while the xPU side may still be in progress;
 * ADD answers when both are done. A release meanwhile fails the ADD (the
 * release undoes the move).
 */
export async function attach(lease: Lease, req: AttachRequest): Promise<AttachRecord> {
  const { input, status } = lease;
  status.pod ??= req.pod; // the first ADD binds the lease (synchronously: a racing ADD sees it)
  status.containerId ??= req.containerId;
  lease.attaching = true;
  setPhase(lease, 'Attaching');
  try {
    const host = lease.onHost ? hostLocalAttachCalls() : hostAttachCalls(input.node);
    const record = await host.attachVfNetdev({
      ...req,
      pciAddress: input.pciAddress,
      mac: input.mac,
    });
    await condition(() => lease.xpuReady || lease.release !== undefined);
    if (lease.release) {
      throw ApplicationFailure.nonRetryable(
        `VF ${input.pciAddress} was released: ${lease.release.reason}`,
        'LeaseReleased',
      );
    }
    lease.attached = record;
    status.podIfname = record.podIfname;
    setPhase(lease, 'Attached');
    return record;
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'LeaseReleased') throw err;
    status.lastError = `CNI ADD of ${podKey(req.pod)}: ${failureMessage(err, hostWorker(input.node))}`;
    setPhase(lease, lease.xpuReady ? 'Reserved' : 'Reserving');
    throw ApplicationFailure.nonRetryable(status.lastError, 'AttachFailed');
  } finally {
    lease.attaching = false;
  }
}

/** Undoes both sides, newest first; retried until each worker is back, so no VF is orphaned. */
export async function release(lease: Lease): Promise<void> {
  const { input, status } = lease;
  setPhase(lease, 'Releasing');
  status.releaseReason = lease.release?.reason;
  const host = lease.onHost ? hostLocalReleaseCalls() : hostReleaseCalls(input.node);
  await host.detachVfNetdev({ pciAddress: input.pciAddress });
  await opiReleaseCalls(input.xpu.dpu, input.xpu.namespace).opiDeleteBridgePort({ id: lease.bridgePortId });
  setPhase(lease, 'Released');
}
