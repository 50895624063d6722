/**
 * Messages of the service-chain workflow (one per DPU, `servicechain-<ns>-<dpu>`):
 * the chain controller signals each new desired OVS state of the DPU; the
 * workflow applies it on the DPU worker at once and again every interval;
 * `chain show` and the controller's status read the last observed state.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DesiredOvs, OvsState } from './ovs-state';

export interface DesiredChainState {
  /** The planner's hash of `desired`. */
  revision: string;
  desired: DesiredOvs;
}

export interface ServiceChainInput {
  namespace: string;
  dpu: string;
  desired?: DesiredChainState;
  /** Seconds between reconciles when nothing changes (default 30). */
  intervalSeconds?: number;
  /** Seconds the DPU worker has to pick a reconcile up before it counts as not polling (default 30). */
  scheduleToStartSeconds?: number;
  /** continueAsNew after this many reconciles (default 200). */
  iterationsPerRun?: number;
  /** Carried over continueAsNew. */
  last?: ServiceChainState;
}

export interface ServiceChainState {
  dpu: string;
  desiredRevision?: string;
  /** The revision whose reconcile last succeeded. */
  appliedRevision?: string;
  /** ISO time of the last successful reconcile. */
  lastReconciled?: string;
  /** The last reconcile's changes (empty when everything was in place). */
  lastChanges: string[];
  /** Ports or flows that could not be applied. */
  problems: string[];
  /** Why the last reconcile failed (the worker not polling, OVS down), cleared on success. */
  error?: string;
  /** Owned ports and flows as last read from the DPU's OVS. */
  observed?: OvsState;
  stopping: boolean;
}

export const desiredChainSignal = defineSignal<[DesiredChainState]>('desiredChain');
/** The DPU object is gone: stop without touching its OVS. */
export const stopChainSignal = defineSignal('stopChain');
export const chainStateQuery = defineQuery<ServiceChainState>('chainState');
