/**
 * `requestServiceAccountToken`: the request's ServiceAccount in the target
 * cluster (made if missing, never somebody else's), and a token for it from
 * TokenRequest with spec.duration. The token leaves as a workflow value, so
 * it is refused unless payloads are encrypted.
 */
import fs from 'node:fs';
import { isConflict, isNotFound } from '../../../platform/kube/client';
import { CREDENTIAL_LABEL, credentialLabelValue } from '../../../model/resources/credential';
import { durationSeconds } from '../../../model/credential';
import {
  noCurrentCluster,
  payloadsNotEncrypted,
  serviceAccountNamespaceNotFound,
  serviceAccountOwnedElsewhere,
} from './failures';
import { checkSpec, type CredentialClusters, type CredentialTarget, type TargetCluster } from './target';

/** A token as TokenRequest gave it, with what a client needs to reach the cluster. Secret: codec only. */
export interface IssuedToken {
  token: string;
  issuedAt: string;
  expirationTimestamp: string;
  server: string;
  /** The target cluster's CA bundle, base64 (absent when its kubeconfig trusts the system CAs). */
  caData?: string;
  insecureSkipTlsVerify?: boolean;
}

/** Creates the ServiceAccount, or makes sure the one there is this request's. */
async function ensureServiceAccount(t: CredentialTarget, { kube, name }: TargetCluster): Promise<void> {
  const { name: sa, namespace } = t.spec.serviceAccount;
  const mine = credentialLabelValue(t.request);
  try {
    await kube.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: sa, namespace, labels: { [CREDENTIAL_LABEL]: mine } } },
    });
  } catch (err) {
    if (isNotFound(err)) throw serviceAccountNamespaceNotFound(namespace, name);
    if (!isConflict(err)) throw err;
    // Never mint a token for somebody else's ServiceAccount: that would hand out its rights.
    const cur = await kube.core.readNamespacedServiceAccount({ name: sa, namespace });
    const by = cur.metadata?.labels?.[CREDENTIAL_LABEL];
    if (by !== mine) throw serviceAccountOwnedElsewhere(t.spec.serviceAccount, name, by);
  }
}

export function issueTokenActivity(clusters: CredentialClusters, encrypted: () => boolean) {
  return {
    async requestServiceAccountToken(t: CredentialTarget): Promise<IssuedToken> {
      checkSpec(t.spec);
      if (!encrypted()) throw payloadsNotEncrypted();
      const target = await clusters.target(t);
      const { kube, kc: tkc, name } = target;
      const { name: sa, namespace } = t.spec.serviceAccount;
      await ensureServiceAccount(t, target);
      const issuedAt = new Date();
      const answer = await kube.core.createNamespacedServiceAccountToken({
        name: sa,
        namespace,
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          // No audiences: the API server's own (a token for talking to that cluster).
          spec: { audiences: [], expirationSeconds: durationSeconds(t.spec.duration) },
        },
      });
      const token = answer.status?.token;
      const expiry = answer.status?.expirationTimestamp;
      if (!token || !expiry)
        throw new Error(`TokenRequest for ServiceAccount ${namespace}/${sa} in ${name} returned no token`);
      const cluster = tkc.getCurrentCluster();
      if (!cluster) throw noCurrentCluster(name);
      const caData =
        cluster.caData ?? (cluster.caFile ? fs.readFileSync(cluster.caFile).toString('base64') : undefined);
      return {
        token,
        issuedAt: issuedAt.toISOString(),
        expirationTimestamp: new Date(expiry).toISOString(),
        server: cluster.server,
        ...(caData ? { caData } : {}),
        ...(cluster.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
      };
    },
  };
}
