/**
 * Messages of a DPU object's lifecycle workflow (one per DPU object): the
 * controller signals each new generation of the spec and the deletion; the
 * workflow runs provision, update and delete flows one at a time.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ObjectRef } from './resources/common';
import type { DpuSpec } from './dpu';

export interface DesiredDpu {
  generation: number;
  spec: DpuSpec;
  /**
   * A digest of the DPU's flavor content (the controller's): a flavor that
   * changes under the same DPU generation is a new revision of it, and the
   * lifecycle runs UpdateDpu again.
   */
  flavorRevision?: string;
}

export interface DpuLifecycleInput {
  ref: ObjectRef;
  desired?: DesiredDpu;
  /** The generation whose flow has run (0: none yet). */
  applied?: number;
  /** The flavor revision that flow ran with. */
  appliedFlavorRevision?: string;
  /** The spec the DPU was last provisioned with (what a delete must undo). */
  provisioned?: DpuSpec;
  deleting?: boolean;
  /** A generation whose flow failed or was terminated (not applied): it runs again on `reprovision`. */
  failed?: { generation: number; flavorRevision?: string };
}

export interface DpuLifecycleState {
  /** The DPU object this lifecycle owns (a client that found the run by ID prefix checks it is the one). */
  ref?: ObjectRef;
  desiredGeneration?: number;
  appliedGeneration: number;
  desiredFlavorRevision?: string;
  appliedFlavorRevision?: string;
  running?: string;
  /** The running flow's workflow ID while it is parked in Error, waiting for a retry. */
  parked?: string;
  /** A generation whose flow failed or was terminated without parking: `reprovision` runs it again. */
  failedGeneration?: number;
  deleting: boolean;
}

/** Sent by a generation's flow to its lifecycle when it parks in Error, and when a retry takes it out. */
export interface FlowParked {
  workflowId: string;
}

export const specChangedSignal = defineSignal<[DesiredDpu]>('specChanged');
export const deleteRequestedSignal = defineSignal('deleteRequested');
/** Run the current generation's flow again (after fixing what made it fail, or after its run was terminated). */
export const reprovisionSignal = defineSignal('reprovision');
export const lifecycleStateQuery = defineQuery<DpuLifecycleState>('lifecycle');
/** A generation's flow parked in Error: a spec change may now replace it. */
export const flowParkedSignal = defineSignal<[FlowParked]>('flowParked');
/** A parked flow took a retry and runs again: a spec change waits for it once more. */
export const flowResumedSignal = defineSignal<[FlowParked]>('flowResumed');

export interface UpdateDpuInput {
  spec: DpuSpec;
  previous: DpuSpec;
  onError?: 'park' | 'return';
  /** Passed on to ProvisionDpu (see ProvisionDpuInput.reportParked). */
  reportParked?: boolean;
}

export interface DeleteDpuInput {
  spec: DpuSpec;
}
