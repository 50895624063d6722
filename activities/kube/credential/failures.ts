/**
 * The failures the credential activities throw, each saying what to fix.
 * All are non-retryable for the activity: the workflow reports them on the
 * request (reason = the type) and tries again later, or, for InvalidSpec,
 * when the spec changes.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { CODEC_KEYS_ENV } from '../../../platform/codec/data-converter';

export const CredentialFailureType = {
  /** The spec breaks a rule of model/credential.ts. Waits for an edit. */
  InvalidSpec: 'InvalidSpec',
  /** XPUFLOW_CODEC_KEYS is not set: a token would sit in history in clear. */
  PayloadsNotEncrypted: 'PayloadsNotEncrypted',
  /** spec.targetCluster names no DPUCluster (activities/kube/cluster-clients.ts). */
  TargetClusterNotFound: 'TargetClusterNotFound',
  /** The DPUCluster's kubeconfig Secret or key is missing (cluster-clients.ts). */
  TargetClusterKubeconfigMissing: 'TargetClusterKubeconfigMissing',
  /** The namespace of the ServiceAccount (target cluster) or of the Secret (host cluster) does not exist. */
  NamespaceNotFound: 'NamespaceNotFound',
  /** The ServiceAccount exists and was not made for this request. */
  ServiceAccountOwnedElsewhere: 'ServiceAccountOwnedElsewhere',
  /** The Secret exists and was not written for this request. */
  SecretOwnedElsewhere: 'SecretOwnedElsewhere',
  /** The target cluster's kubeconfig names no current cluster. */
  NoCurrentCluster: 'NoCurrentCluster',
} as const;

type FailureType = (typeof CredentialFailureType)[keyof typeof CredentialFailureType];

export const fail = (message: string, type: FailureType) => ApplicationFailure.nonRetryable(message, type);

export function invalidSpec(problems: string[]): ApplicationFailure {
  return fail(`${problems.join('; ')}: fix the request's spec`, CredentialFailureType.InvalidSpec);
}

export function payloadsNotEncrypted(): ApplicationFailure {
  return fail(
    `${CODEC_KEYS_ENV} is not set on this control worker: a service token would sit in workflow history in clear; configure the payload codec keys (README "Encrypted payloads") and it is retried`,
    CredentialFailureType.PayloadsNotEncrypted,
  );
}

/** For the DPUCluster lookup of spec.targetCluster. */
export function fixMissingTarget(targetCluster: string): string {
  return `spec.targetCluster ${JSON.stringify(targetCluster)} names no DPUCluster; create it or fix spec.targetCluster (retried until it exists)`;
}

export function serviceAccountNamespaceNotFound(namespace: string, target: string): ApplicationFailure {
  return fail(
    `spec.serviceAccount.namespace ${JSON.stringify(namespace)} does not exist in ${target}: create the namespace there (retried until it exists)`,
    CredentialFailureType.NamespaceNotFound,
  );
}

export function serviceAccountOwnedElsewhere(
  sa: { namespace: string; name: string },
  target: string,
  by: string | undefined,
): ApplicationFailure {
  return fail(
    `spec.serviceAccount ${sa.namespace}/${sa.name} already exists in ${target} and is ${by ? `request ${by}'s` : 'not made by xpuflow'}: name a ServiceAccount of its own for this request`,
    CredentialFailureType.ServiceAccountOwnedElsewhere,
  );
}

export function noCurrentCluster(target: string): ApplicationFailure {
  return fail(`the kubeconfig of ${target} names no current cluster`, CredentialFailureType.NoCurrentCluster);
}

export function secretNamespaceNotFound(namespace: string): ApplicationFailure {
  return fail(
    `spec.secret.namespace ${JSON.stringify(namespace)} does not exist in the host cluster: create it (retried until it exists)`,
    CredentialFailureType.NamespaceNotFound,
  );
}

export function secretOwnedElsewhere(
  secret: { namespace: string; name: string },
  by: string | undefined,
): ApplicationFailure {
  return fail(
    `spec.secret ${secret.namespace}/${secret.name} already exists and is ${by ? `written by request ${by}` : 'not written by xpuflow'}: choose another spec.secret.name or delete that Secret`,
    CredentialFailureType.SecretOwnedElsewhere,
  );
}
