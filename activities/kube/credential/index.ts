/**
 * Credential activities (the DPUServiceCredentialRequest): a ServiceAccount
 * and a token from TokenRequest in the target cluster (a DPUCluster, or the
 * host cluster), the Secret in the host cluster that carries it (a
 * kubeconfig, or token + CA + server), the request's status, and revocation.
 * One job per file; failures.ts catalogues what they throw.
 *
 * The token goes from requestServiceAccountToken to writeServiceCredentialSecret
 * as a workflow value: it sits in history only encrypted by the payload codec,
 * so these activities refuse to hand out a token when XPUFLOW_CODEC_KEYS is
 * not set. (The activity names keep their registered `…ServiceCredential…`
 * spelling: they are in histories and running workflows.)
 */
import type * as k8s from '@kubernetes/client-node';
import { CODEC_KEYS_ENV } from '../../../platform/codec/data-converter';
import { issueTokenActivity } from './issue-token';
import { releaseFinalizerActivity } from './release-finalizer';
import { reportActivity } from './report';
import { revokeActivity } from './revoke';
import { credentialClusters } from './target';
import { writeSecretActivity } from './write-secret';

export interface CredentialActivityOptions {
  /** Whether payloads are encrypted (default: XPUFLOW_CODEC_KEYS is set, as codecDataConverter decides). */
  payloadsEncrypted?: () => boolean;
}

export function createCredentialActivities(
  kc: k8s.KubeConfig | undefined,
  opts: CredentialActivityOptions = {},
) {
  const encrypted = opts.payloadsEncrypted ?? (() => !!process.env[CODEC_KEYS_ENV]);
  const clusters = credentialClusters(kc);
  return {
    ...issueTokenActivity(clusters, encrypted),
    ...writeSecretActivity(clusters),
    ...reportActivity(clusters),
    ...revokeActivity(clusters),
    ...releaseFinalizerActivity(clusters),
  };
}

export type CredentialActivities = ReturnType<typeof createCredentialActivities>;
export { CredentialFailureType } from './failures';
export type { IssuedToken } from './issue-token';
export type { CredentialReport } from './report';
export type { RevokeInput } from './revoke';
export type { CredentialTarget } from './target';
export { secretData } from './write-secret';
