/**
 * VfLease: one VF of one node, leased to one pod. Its workflow ID comes from
 * the node and the VF's PCI address (vf-lease-<node>-<pci>), so two claims of
 * one VF cannot both hold a lease: the second joins the first, and the first
 * CNI ADD binds it to its pod.
 *
 *   device plugin Allocate ──start──▶ VfLease
 *                                      │ OPI CreateBridgePort (MAC, VLAN) on xpuflow-dpu-<dpu>
 *   CNI ADD ──update attach──────────▶ │ netns move on xpuflow-host-<node>  ──▶ Attached
 *   CNI DEL / collector ──release────▶ │ netns move back, OPI DeleteBridgePort ──▶ Released
 *
 * A lease no CNI ADD comes for within attachTimeoutMs releases itself.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { TimeoutType } from '@temporalio/common';
import { dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';
import { NODE_KEY, PHASE_KEY } from '../../model/search-attributes';
import { attachUpdate, leaseStatusQuery, releaseSignal, releaseUpdate } from '../../model/vf-lease-api';
import {
  checkPod,
  leaseInputProblems,
  podKey,
  type AttachRecord,
  type AttachRequest,
  type ReleaseRequest,
  type VfLeaseInput,
  type VfLeasePhase,
  type VfLeaseStatus,
} from '../../model/vf';
import { hostAttach, hostRelease, opi, opiRelease } from './proxies';

export const DEFAULT_ATTACH_TIMEOUT_MS = 10 * 60_000;

/**
 * An activity failure's own message (its cause), not "Activity task failed";
 * a task nobody picked up says which worker is not polling.
 */
function why(err: unknown, worker: string): string {
  const e = err as Error & { cause?: Error };
  if (e.cause instanceof TimeoutFailure && e.cause.timeoutType === TimeoutType.SCHEDULE_TO_START) {
    return `${worker} is not polling: no worker took the task in time; start it, or check the name`;
  }
  return e.cause?.message ?? e.message;
}

export async function vfLease(input: VfLeaseInput): Promise<VfLeaseStatus> {
  const problems = leaseInputProblems(input);
  if (problems.length)
    throw ApplicationFailure.nonRetryable(`VF lease refused: ${problems.join('; ')}`, 'BadLeaseInput');

  const status: VfLeaseStatus = {
    node: input.node,
    pciAddress: input.pciAddress,
    resourceName: input.resourceName,
    phase: 'Reserving',
    pod: input.pod,
  };
  const bridgePortId = `vf-${input.node}-${input.pciAddress.replace(/[:.]/g, '-')}`;
  let attached: AttachRecord | undefined;
  let release: ReleaseRequest | undefined;
  let xpuReady = false;
  let attaching = false;

  const setPhase = (phase: VfLeasePhase) => {
    status.phase = phase;
    upsertSearchAttributes([{ key: PHASE_KEY, value: phase }]);
  };
  upsertSearchAttributes([{ key: NODE_KEY, value: input.node }]);

  setHandler(leaseStatusQuery, () => status);

  setHandler(
    attachUpdate,
    async (req: AttachRequest): Promise<AttachRecord> => {
      status.pod ??= req.pod; // the first ADD binds the lease (synchronously: a racing ADD sees it)
      status.containerId ??= req.containerId;
      attaching = true;
      setPhase('Attaching');
      try {
        // The netns move runs while the xPU side may still be in progress; ADD answers when both are done.
        const record = await hostAttach(input.node).attachVfNetdev({
          ...req,
          pciAddress: input.pciAddress,
          mac: input.mac,
        });
        await condition(() => xpuReady || release !== undefined);
        if (release) {
          // the release that follows undoes the move
          throw ApplicationFailure.nonRetryable(
            `VF ${input.pciAddress} was released: ${release.reason}`,
            'LeaseReleased',
          );
        }
        attached = record;
        status.podIfname = attached.podIfname;
        setPhase('Attached');
        return attached;
      } catch (err) {
        if (err instanceof ApplicationFailure && err.type === 'LeaseReleased') throw err;
        status.lastError = `CNI ADD of ${podKey(req.pod)}: ${why(err, `host worker for ${input.node} (${hostTaskQueue(input.node)})`)}`;
        setPhase(xpuReady ? 'Reserved' : 'Reserving');
        throw ApplicationFailure.nonRetryable(status.lastError, 'AttachFailed');
      } finally {
        attaching = false;
      }
    },
    {
      validator: (req: AttachRequest) => {
        const bad = checkPod(req?.pod);
        if (bad) throw new Error(bad);
        if (release)
          throw new Error(`VF ${input.pciAddress} is being released (${release.reason}); ask for another VF`);
        if (status.pod && podKey(status.pod) !== podKey(req.pod)) {
          throw new Error(
            `VF ${input.pciAddress} on node ${input.node} is leased to pod ${podKey(status.pod)}, not ${podKey(req.pod)}: ` +
              `each VF serves one pod; request another VF from ${input.resourceName}`,
          );
        }
        if (status.containerId && status.containerId !== req.containerId && status.phase === 'Attached') {
          throw new Error(
            `VF ${input.pciAddress} is attached to container ${status.containerId} of the same pod; DEL it first`,
          );
        }
      },
    },
  );

  const requestRelease = (req: ReleaseRequest) => {
    release ??= { reason: req?.reason || 'released' };
  };
  const releaseValidator = (req: ReleaseRequest) => {
    if (req?.pod && status.pod && podKey(req.pod) !== podKey(status.pod)) {
      throw new Error(
        `VF ${input.pciAddress} is leased to pod ${podKey(status.pod)}, not ${podKey(req.pod)}: not released`,
      );
    }
  };
  setHandler(releaseSignal, (req) => {
    try {
      releaseValidator(req);
      requestRelease(req);
    } catch {
      // a signal cannot be refused to its sender: a mismatched one is ignored
    }
  });
  setHandler(
    releaseUpdate,
    async (req) => {
      requestRelease(req);
      await condition(() => status.phase === 'Released');
      return status;
    },
    { validator: releaseValidator },
  );

  // 1. The xPU side: a bridge port with the pod's MAC on the VLAN's logical bridge.
  try {
    const port = await opi(input.xpu.dpu).opiEnsureBridgePort({
      id: bridgePortId,
      mac: input.mac,
      vlan: input.xpu.vlan,
    });
    status.bridgePort = port.name;
    xpuReady = true;
    if (status.phase === 'Reserving') setPhase('Reserved');
  } catch (err) {
    status.lastError = `OPI CreateBridgePort on DPU ${input.xpu.dpu}: ${why(err, `DPU worker for ${input.xpu.dpu} (${dpuTaskQueue(input.xpu.dpu)})`)}`;
    release ??= { reason: status.lastError };
  }

  // 2. Wait for the CNI ADD (or a release); a lease nobody attaches to is not kept.
  const timeout = input.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS;
  const came = await condition(() => attached !== undefined || release !== undefined, timeout);
  if (!came) release ??= { reason: `no CNI ADD within ${Math.round(timeout / 1000)} s of Allocate` };

  // 3. Hold the VF until released (CNI DEL, pod gone, CLI).
  await condition(() => release !== undefined && !attaching);

  // 4. Undo both sides, newest first.
  setPhase('Releasing');
  status.releaseReason = release?.reason;
  await hostRelease(input.node).detachVfNetdev({ pciAddress: input.pciAddress });
  await opiRelease(input.xpu.dpu).opiDeleteBridgePort({ id: bridgePortId });
  setPhase('Released');
  await condition(allHandlersFinished);
  return status;
}
