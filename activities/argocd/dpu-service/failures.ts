/**
 * The failures the DPUService activities throw, each saying what to do.
 * What a retry cannot fix (a missing DPUCluster or pull Secret) is
 * non-retryable; what Argo CD finishes on its own (a deletion in progress)
 * is retryable. The workflow's retry policy (workflows/dpu-service/proxies.ts)
 * lists the non-retryable types by these strings.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ARGO_NAMESPACE, ARGO_RESOURCES_FINALIZER } from '../../../model/resources/dpu-service';
import type { ObjectRef } from '../../../model/resources/common';
import { applicationName } from '../../../model/dpu-service';

export const DpuServiceFailureType = {
  /** A DPUCluster in spec.clusters does not exist (activities/kube/cluster-clients.ts). Non-retryable. */
  ClusterNotFound: 'DpuClusterNotFound',
  /** The DPUCluster's kubeconfig Secret or key is missing (cluster-clients.ts). Non-retryable. */
  ClusterKubeconfigMissing: 'DpuClusterKubeconfigMissing',
  /** A Secret of spec.imagePullSecrets does not exist in the host cluster. Non-retryable. */
  PullSecretNotFound: 'PullSecretNotFound',
  /** The Application is being deleted; Argo CD finishes, then it is re-created. Retryable. */
  ApplicationDeleting: 'ApplicationDeleting',
  /** Argo CD did not remove an Application's finalizer in time. Retryable. */
  ApplicationsNotGone: 'ApplicationsNotGone',
} as const;

/** For the DPUCluster lookup: what to do when a cluster in spec.clusters does not exist. */
export function fixMissingCluster(service: ObjectRef): string {
  return `create it or remove it from DPUService ${service.name}'s spec.clusters`;
}

export function pullSecretNotFound(service: ObjectRef, secret: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `image pull Secret ${service.namespace}/${secret} (spec.imagePullSecrets of DPUService ${service.name}) does not exist: create it or remove it from the list`,
    DpuServiceFailureType.PullSecretNotFound,
  );
}

export function applicationDeleting(service: ObjectRef, cluster: string): ApplicationFailure {
  const name = applicationName(service.namespace, service.name);
  return ApplicationFailure.retryable(
    `Application ${ARGO_NAMESPACE}/${name} in DPUCluster ${cluster} is being deleted; waiting for Argo CD to finish before re-creating it`,
    DpuServiceFailureType.ApplicationDeleting,
  );
}

export function applicationsNotGone(
  service: ObjectRef,
  left: string[],
  timeoutSeconds: number,
): ApplicationFailure {
  return ApplicationFailure.retryable(
    `Application ${applicationName(service.namespace, service.name)} still exists in ${left.join(', ')} after ${timeoutSeconds} s: Argo CD has not removed its finalizer ${ARGO_RESOURCES_FINALIZER} (is Argo CD running there?)`,
    DpuServiceFailureType.ApplicationsNotGone,
  );
}
