/**
 * `revokeServiceCredential`: deletes the ServiceAccount in the target cluster
 * (every token issued for it stops working), then, if asked, the Secret.
 * Only what this request made is deleted; a target cluster that is gone is
 * reported, not waited for.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { isNotFound } from '../../../platform/kube/client';
import { CREDENTIAL_LABEL, credentialLabelValue } from '../../../model/resources/credential';
import type { CredentialClusters, CredentialTarget, TargetCluster } from './target';

export interface RevokeInput extends CredentialTarget {
  /** Remove the Secret too (a delete, or a spec that moved it). */
  deleteSecret: boolean;
}

/** What happened to the ServiceAccount, in words. */
async function deleteServiceAccount(input: RevokeInput, t: TargetCluster): Promise<string> {
  const { name: sa, namespace } = input.spec.serviceAccount;
  try {
    const cur = await t.kube.core.readNamespacedServiceAccount({ name: sa, namespace });
    const by = cur.metadata?.labels?.[CREDENTIAL_LABEL];
    if (by !== credentialLabelValue(input.request))
      return `ServiceAccount ${namespace}/${sa} in ${t.name} is not this request's: kept`;
    await t.kube.core.deleteNamespacedServiceAccount({ name: sa, namespace });
    return `deleted ServiceAccount ${namespace}/${sa} in ${t.name}`;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return `ServiceAccount ${namespace}/${sa} in ${t.name} already gone`;
  }
}

export function revokeActivity(clusters: CredentialClusters) {
  return {
    /** Returns what was done, "; "-separated. */
    async revokeServiceCredential(input: RevokeInput): Promise<string> {
      const h = clusters.host();
      const done: string[] = [];
      const { name: sa, namespace } = input.spec.serviceAccount;
      let t: TargetCluster | undefined;
      try {
        t = await clusters.target(input);
      } catch (err) {
        if (!(err instanceof ApplicationFailure)) throw err;
        done.push(`ServiceAccount ${namespace}/${sa} not deleted (${err.message})`);
      }
      if (t) done.push(await deleteServiceAccount(input, t));
      if (input.deleteSecret) {
        const { name, namespace: sns } = input.spec.secret;
        const s = await h.getSecret(sns, name);
        if (s?.metadata?.labels?.[CREDENTIAL_LABEL] === credentialLabelValue(input.request)) {
          try {
            await h.core.deleteNamespacedSecret({ name, namespace: sns });
          } catch (err) {
            if (!isNotFound(err)) throw err;
          }
          done.push(`deleted Secret ${sns}/${name}`);
        }
      }
      return done.join('; ');
    },
  };
}
