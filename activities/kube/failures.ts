/**
 * Failure types the DPUSet and DPU-cluster activities throw (the other kube
 * activities' failures come from the Kubernetes client and waitUntil).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ObjectRef } from '../../model/resources/common';

export const KubeFailureType = {
  /** The DPU a rollout was updating has been deleted. Non-retryable: the rollout counts it as failed. */
  DpuGone: 'DpuGone',
  /** The DPU's node did not become Ready in the DPU cluster in time (waitUntil's failure type). */
  DpuNodeNotReady: 'DpuNodeNotReady',
  /** The join material for a DPU's bf.cfg cannot be made (no CA in the kubeconfig, no live token). */
  DpuClusterJoin: 'DpuClusterJoin',
} as const;

export function dpuGone(dpu: ObjectRef): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`DPU ${dpu.namespace}/${dpu.name} is gone`, KubeFailureType.DpuGone);
}
