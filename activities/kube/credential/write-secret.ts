/**
 * `writeServiceCredentialSecret`: the Secret in the host cluster that carries
 * an issued token, as a kubeconfig or as token + ca.crt + server. It writes
 * only a Secret of its own request.
 */
import type * as k8s from '@kubernetes/client-node';
import { kubeClientModule } from '../../../platform/kube/client-module';
import { isNotFound } from '../../../platform/kube/client';
import {
  CREDENTIAL_LABEL,
  credentialLabelValue,
  type CredentialSpec,
} from '../../../model/resources/credential';
import type { IssuedToken } from './issue-token';
import { secretNamespaceNotFound, secretOwnedElsewhere } from './failures';
import { checkSpec, type CredentialClusters, type CredentialTarget } from './target';

/** The Secret's keys: `kubeconfig`, or `token`, `ca.crt` and `server`. */
export function secretData(spec: CredentialSpec, t: IssuedToken): Record<string, string> {
  const ca = t.caData ? Buffer.from(t.caData, 'base64').toString('utf8') : undefined;
  if (spec.type === 'tokenFile') return { token: t.token, server: t.server, ...(ca ? { 'ca.crt': ca } : {}) };
  const cluster = spec.targetCluster || 'host';
  const user = `${spec.serviceAccount.namespace}-${spec.serviceAccount.name}`;
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: {
          server: t.server,
          ...(t.caData ? { 'certificate-authority-data': t.caData } : {}),
          ...(t.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
        },
      },
    ],
    users: [{ name: user, user: { token: t.token } }],
    contexts: [{ name: cluster, context: { cluster, user, namespace: spec.serviceAccount.namespace } }],
    'current-context': cluster,
  };
  return { kubeconfig: kubeClientModule().dumpYaml(kubeconfig) };
}

export function writeSecretActivity({ host }: CredentialClusters) {
  return {
    /** Writes (or replaces) the Secret; returns "<namespace>/<name>". */
    async writeServiceCredentialSecret(input: CredentialTarget & { issued: IssuedToken }): Promise<string> {
      checkSpec(input.spec);
      const h = host();
      const { name, namespace } = input.spec.secret;
      const owner = credentialLabelValue(input.request);
      const data = secretData(input.spec, input.issued);
      const existing = await h.getSecret(namespace, name);
      const body: k8s.V1Secret = {
        metadata: {
          name,
          namespace,
          labels: { ...existing?.metadata?.labels, [CREDENTIAL_LABEL]: owner },
          ...(existing?.metadata?.resourceVersion
            ? { resourceVersion: existing.metadata.resourceVersion }
            : {}),
        },
        type: 'Opaque',
        stringData: data,
      };
      if (!existing) {
        try {
          await h.core.createNamespacedSecret({ namespace, body });
        } catch (err) {
          if (isNotFound(err)) throw secretNamespaceNotFound(namespace);
          throw err; // a conflict: someone made it meanwhile; the retry looks again
        }
      } else {
        const by = existing.metadata?.labels?.[CREDENTIAL_LABEL];
        if (by !== owner) throw secretOwnedElsewhere(input.spec.secret, by);
        // Replace, so keys of the other type (a spec.type change) go away.
        await h.core.replaceNamespacedSecret({ name, namespace, body: { ...body, data: {} } });
      }
      return `${namespace}/${name}`;
    },
  };
}
