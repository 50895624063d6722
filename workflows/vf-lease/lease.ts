/** What a VF lease keeps while it runs, shared by its steps and its handlers. */
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { WorkerHint } from '../toolkit';
import { PHASE_KEY } from '../../model/search-attributes';
import { dpuTaskQueue, hostTaskQueue } from '../../model/task-queues';
import type { AttachRecord, ReleaseRequest, VfLeaseInput, VfLeasePhase, VfLeaseStatus } from '../../model/vf';

export interface Lease {
  readonly input: VfLeaseInput;
  /** What the query answers. */
  readonly status: VfLeaseStatus;
  /** The OPI BridgePort's id: one per node and VF. */
  readonly bridgePortId: string;
  /** The CNI ADD's result, once both sides are done. */
  attached?: AttachRecord;
  /** Set once, by the first release (or by the lease itself). */
  release?: ReleaseRequest;
  /** The OPI BridgePort exists. */
  xpuReady: boolean;
  /** A CNI ADD is in progress: the release waits for it. */
  attaching: boolean;
  /**
   * The lease runs on its node's host queue (xpuflow-host-<node>), as the
   * host worker's device plugin and host agent start it: the netns moves run
   * as local activities of the workflow task. A lease started on the control
   * queue (by an earlier release, and every captured history) routes them to
   * the host queue as activities, as before. Fixed for a run: it comes from
   * the start event.
   */
  readonly onHost: boolean;
}

export function newLease(input: VfLeaseInput): Lease {
  return {
    input,
    status: {
      node: input.node,
      pciAddress: input.pciAddress,
      resourceName: input.resourceName,
      phase: 'Reserving',
      pod: input.pod,
    },
    bridgePortId: `vf-${input.node}-${input.pciAddress.replace(/[:.]/g, '-')}`,
    xpuReady: false,
    attaching: false,
    onHost: workflowInfo().taskQueue === hostTaskQueue(input.node),
  };
}

export function setPhase(lease: Lease, phase: VfLeasePhase): void {
  lease.status.phase = phase;
  upsertSearchAttributes([{ key: PHASE_KEY, value: phase }]);
}

/** For "… is not polling" when a routed task finds no worker. */
export const hostWorker = (node: string): WorkerHint => ({
  worker: `host worker for ${node}`,
  queue: hostTaskQueue(node),
  remedy: 'start it, or check the name',
});
export const dpuWorker = (dpu: string, namespace?: string): WorkerHint => ({
  worker: `DPU worker for ${namespace === undefined ? dpu : `${namespace}/${dpu}`}`,
  queue: dpuTaskQueue(dpu, namespace),
  remedy: 'start it, or check the name',
});
