/** What a VF lease keeps while it runs, shared by its steps and its handlers. */
import { upsertSearchAttributes } from '@temporalio/workflow';
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
