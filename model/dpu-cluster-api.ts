/**
 * Messages of the workflow behind one `kamaji` DPUCluster: the controller
 * signals each new generation of the spec, and the deletion once no DPU
 * names the cluster; the workflow makes the TenantControlPlane and its load
 * balancer, waits for Kamaji to report it Ready, writes the kubeconfig
 * Secret, and on delete removes what it made and releases the finalizer.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DpuClusterSpec, ObjectRef } from './resources/common';

export interface DesiredDpuCluster {
  generation: number;
  spec: DpuClusterSpec;
}

export interface DpuClusterInput {
  ref: ObjectRef;
  desired?: DesiredDpuCluster;
  deleting?: boolean;
}

export interface DpuClusterState {
  generation?: number;
  /** Made, WaitingForControlPlane, Ready, Deleting, Failed. */
  step: string;
  deleting: boolean;
  problem?: string;
}

export const dpuClusterSpecChangedSignal = defineSignal<[DesiredDpuCluster]>('dpuClusterSpecChanged');
export const dpuClusterDeleteRequestedSignal = defineSignal('dpuClusterDeleteRequested');
export const dpuClusterStateQuery = defineQuery<DpuClusterState>('dpuClusterState');
