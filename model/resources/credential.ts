/**
 * DPUServiceCredentialRequest (provisioning.xpuflow.dev/v1alpha1): a
 * ServiceAccount in a target cluster (a DPUCluster, or the host cluster
 * itself) whose token xpuflow writes into a Secret of the host cluster and
 * renews before it expires. The schema lives in
 * charts/xpuflow/crds/provisioning.xpuflow.dev_dpuservicecredentialrequests.yaml.
 * Pure: workflows import it.
 */
import { GROUP, type KubeCondition, type ObjectRef, type Resource } from './common';

export type CredentialType = 'kubeconfig' | 'tokenFile';

export interface NamespacedName {
  name: string;
  namespace: string;
}

export interface CredentialSpec {
  /** Made in the target cluster; its tokens are what the Secret carries. */
  serviceAccount: NamespacedName;
  /** A DPUCluster in the request's namespace; empty or absent: the host cluster. */
  targetCluster?: string;
  /** Go-style duration ("1h", "30m"), 10m to 24h: the lifetime asked of each token. */
  duration: string;
  type: CredentialType;
  /** Where the Secret is written, in the host cluster (where the request lives). */
  secret: NamespacedName;
}

export interface CredentialStatus {
  observedGeneration?: number;
  workflowId?: string;
  /** When the current token was issued, and when it expires (the API server's answer). */
  issuedAt?: string;
  expirationTimestamp?: string;
  /** When xpuflow renews it: 80 % of its lifetime plus a little jitter. */
  renewAt?: string;
  /** "<namespace>/<name>" in the target cluster, and of the Secret in the host cluster. */
  serviceAccount?: string;
  secret?: string;
  /** Tokens issued for this request so far. */
  issued?: number;
  conditions?: KubeCondition[];
}

export type CredentialResource = Resource<CredentialSpec, CredentialStatus>;

/** Keeps a request until its ServiceAccount (and so its tokens) and Secret are gone. */
export const CREDENTIAL_FINALIZER = `${GROUP}/revoke-credential`;
/** Set on the Secrets xpuflow writes, naming the request ("<namespace>.<name>"). */
export const CREDENTIAL_LABEL = `${GROUP}/credential-request`;

export function credentialLabelValue(ref: ObjectRef): string {
  return `${ref.namespace}.${ref.name}`.slice(0, 63).replace(/[-.]+$/, '');
}

/** Which cluster a spec targets, as a person reads it. */
export function targetName(spec: Pick<CredentialSpec, 'targetCluster'>): string {
  return spec.targetCluster ? `DPUCluster ${spec.targetCluster}` : 'the host cluster';
}
