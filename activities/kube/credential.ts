/**
 * DPUServiceCredentialRequest activities: a ServiceAccount and a token from
 * TokenRequest in the target cluster (a DPUCluster, or the host cluster), the
 * Secret in the host cluster that carries it (a kubeconfig, or token + CA +
 * server), the request's status, and revocation.
 *
 * The token goes from requestServiceAccountToken to writeServiceCredentialSecret
 * as a workflow value: it sits in history only encrypted by the payload codec,
 * so these activities refuse to hand out a token when XPUFLOW_CODEC_KEYS is
 * not set.
 */
import { dpuClusterClient, hostCluster } from './cluster-clients';
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { CODEC_KEYS_ENV } from '../../platform/codec/data-converter';
import { apiMessage, isConflict, isNotFound, Kube } from '../../platform/kube/client';
import { setCondition } from '../../model/resources/conditions';
import {
  CREDENTIAL_FINALIZER,
  CREDENTIAL_REQUEST_LABEL,
  credentialRequestLabelValue,
  targetName,
  type CredentialRequestResource,
  type CredentialRequestSpec,
  type CredentialRequestStatus,
} from '../../model/resources/credential';
import type { ObjectRef } from '../../model/resources/common';
import { credentialSpecProblems, durationSeconds } from '../../model/credential';

export interface CredentialTarget {
  request: ObjectRef;
  spec: CredentialRequestSpec;
}

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

export interface CredentialReport {
  request: ObjectRef;
  generation?: number;
  workflowId: string;
  ready: { status: 'True' | 'False'; reason: string; message: string };
  fields?: Omit<CredentialRequestStatus, 'conditions' | 'observedGeneration' | 'workflowId'>;
}

export interface RevokeInput extends CredentialTarget {
  /** Remove the Secret too (a delete, or a spec that moved it). */
  deleteSecret: boolean;
}

export interface CredentialActivityOptions {
  /** Whether payloads are encrypted (default: XPUFLOW_CODEC_KEYS is set, as codecDataConverter decides). */
  payloadsEncrypted?: () => boolean;
}

const fail = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

export function createServiceCredentialActivities(
  kc: k8s.KubeConfig | undefined,
  opts: CredentialActivityOptions = {},
) {
  const encrypted = opts.payloadsEncrypted ?? (() => !!process.env[CODEC_KEYS_ENV]);
  const hostKube = hostCluster(kc);

  /** The target cluster's client and kubeconfig: the host's own, or the DPUCluster's from its Secret. */
  async function target(t: CredentialTarget): Promise<{ kube: Kube; kc: k8s.KubeConfig; name: string }> {
    const h = hostKube();
    const name = targetName(t.spec);
    if (!t.spec.targetCluster) return { kube: h, kc: h.kc, name };
    const ref = { namespace: t.request.namespace, name: t.spec.targetCluster };
    const c = await dpuClusterClient(h, ref, {
      fixMissing: `spec.targetCluster ${JSON.stringify(t.spec.targetCluster)} names no DPUCluster; create it or fix spec.targetCluster (retried until it exists)`,
      notFoundType: 'TargetClusterNotFound',
      kubeconfigMissingType: 'TargetClusterKubeconfigMissing',
    });
    return { ...c, name };
  }

  function checkSpec(spec: CredentialRequestSpec): void {
    const problems = credentialSpecProblems(spec);
    if (problems.length > 0) throw fail(`${problems.join('; ')}: fix the request's spec`, 'InvalidSpec');
  }

  return {
    /** Ensures the ServiceAccount in the target cluster and asks TokenRequest for a token of spec.duration. */
    async requestServiceAccountToken(t: CredentialTarget): Promise<IssuedToken> {
      checkSpec(t.spec);
      if (!encrypted())
        throw fail(
          `${CODEC_KEYS_ENV} is not set on this control worker: a service token would sit in workflow history in clear; configure the payload codec keys (README "Encrypted payloads") and it is retried`,
          'PayloadsNotEncrypted',
        );
      const { kube, kc: tkc, name } = await target(t);
      const { name: sa, namespace } = t.spec.serviceAccount;
      try {
        await kube.core.createNamespacedServiceAccount({
          namespace,
          body: {
            metadata: {
              name: sa,
              namespace,
              labels: { [CREDENTIAL_REQUEST_LABEL]: credentialRequestLabelValue(t.request) },
            },
          },
        });
      } catch (err) {
        if (isNotFound(err))
          throw fail(
            `spec.serviceAccount.namespace ${JSON.stringify(namespace)} does not exist in ${name}: create the namespace there (retried until it exists)`,
            'NamespaceNotFound',
          );
        if (!isConflict(err)) throw err;
        // Never mint a token for somebody else's ServiceAccount: that would hand out its rights.
        const cur = await kube.core.readNamespacedServiceAccount({ name: sa, namespace });
        const by = cur.metadata?.labels?.[CREDENTIAL_REQUEST_LABEL];
        if (by !== credentialRequestLabelValue(t.request))
          throw fail(
            `spec.serviceAccount ${namespace}/${sa} already exists in ${name} and is ${by ? `request ${by}'s` : 'not made by xpuflow'}: name a ServiceAccount of its own for this request`,
            'ServiceAccountOwnedElsewhere',
          );
      }
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
      if (!cluster) throw fail(`the kubeconfig of ${name} names no current cluster`, 'NoCurrentCluster');
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

    /** Writes (or replaces) the Secret in the host cluster: a kubeconfig, or token + ca.crt + server. */
    async writeServiceCredentialSecret(input: CredentialTarget & { issued: IssuedToken }): Promise<string> {
      checkSpec(input.spec);
      const h = hostKube();
      const { name, namespace } = input.spec.secret;
      const owner = credentialRequestLabelValue(input.request);
      const data = secretData(input.spec, input.issued);
      const existing = await h.getSecret(namespace, name);
      const body: k8s.V1Secret = {
        metadata: {
          name,
          namespace,
          labels: { ...existing?.metadata?.labels, [CREDENTIAL_REQUEST_LABEL]: owner },
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
          if (isNotFound(err))
            throw fail(
              `spec.secret.namespace ${JSON.stringify(namespace)} does not exist in the host cluster: create it (retried until it exists)`,
              'NamespaceNotFound',
            );
          throw err; // a conflict: someone made it meanwhile; the retry looks again
        }
      } else {
        const by = existing.metadata?.labels?.[CREDENTIAL_REQUEST_LABEL];
        if (by !== owner)
          throw fail(
            `spec.secret ${namespace}/${name} already exists and is ${by ? `written by request ${by}` : 'not written by xpuflow'}: choose another spec.secret.name or delete that Secret`,
            'SecretOwnedElsewhere',
          );
        // Replace, so keys of the other type (a spec.type change) go away.
        await h.core.replaceNamespacedSecret({ name, namespace, body: { ...body, data: {} } });
      }
      return `${namespace}/${name}`;
    },

    /** Status and the Ready condition of the request; an Event when it is not Ready. */
    async reportServiceCredential(r: CredentialReport): Promise<void> {
      const h = hostKube();
      const cur = await h.get<CredentialRequestResource>('DPUServiceCredentialRequest', r.request);
      if (!cur || (r.request.uid && cur.metadata.uid !== r.request.uid)) return;
      await h.patchStatus('DPUServiceCredentialRequest', r.request, {
        ...r.fields,
        workflowId: r.workflowId,
        ...(r.generation !== undefined ? { observedGeneration: r.generation } : {}),
        conditions: setCondition(
          cur.status?.conditions,
          {
            type: 'Ready',
            ...r.ready,
            ...(r.generation !== undefined ? { observedGeneration: r.generation } : {}),
          },
          new Date().toISOString(),
        ),
      });
      if (
        r.ready.status === 'False' &&
        cur.status?.conditions?.find((c) => c.type === 'Ready')?.message !== r.ready.message
      )
        await h.event(
          { kind: 'DPUServiceCredentialRequest', ref: r.request },
          'Warning',
          r.ready.reason,
          r.ready.message,
        );
    },

    /**
     * Deletes the ServiceAccount in the target cluster (every token issued for
     * it stops working), then the Secret. A target cluster that is gone is
     * reported, not waited for.
     */
    async revokeServiceCredential(input: RevokeInput): Promise<string> {
      const h = hostKube();
      const done: string[] = [];
      const { name: sa, namespace } = input.spec.serviceAccount;
      let t: Awaited<ReturnType<typeof target>> | undefined;
      try {
        t = await target(input);
      } catch (err) {
        if (!(err instanceof ApplicationFailure)) throw err;
        done.push(`ServiceAccount ${namespace}/${sa} not deleted (${err.message})`);
      }
      if (t) {
        try {
          const cur = await t.kube.core.readNamespacedServiceAccount({ name: sa, namespace });
          const by = cur.metadata?.labels?.[CREDENTIAL_REQUEST_LABEL];
          if (by === credentialRequestLabelValue(input.request)) {
            await t.kube.core.deleteNamespacedServiceAccount({ name: sa, namespace });
            done.push(`deleted ServiceAccount ${namespace}/${sa} in ${t.name}`);
          } else {
            done.push(`ServiceAccount ${namespace}/${sa} in ${t.name} is not this request's: kept`);
          }
        } catch (err) {
          if (!isNotFound(err)) throw err;
          done.push(`ServiceAccount ${namespace}/${sa} in ${t.name} already gone`);
        }
      }
      if (input.deleteSecret) {
        const { name, namespace: sns } = input.spec.secret;
        const s = await h.getSecret(sns, name);
        if (s?.metadata?.labels?.[CREDENTIAL_REQUEST_LABEL] === credentialRequestLabelValue(input.request)) {
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

    /** Lets Kubernetes finish deleting the request (its credentials are revoked). */
    async releaseCredentialFinalizer(request: ObjectRef): Promise<void> {
      const h = hostKube();
      const cur = await h.get<CredentialRequestResource>('DPUServiceCredentialRequest', request);
      const i = cur?.metadata.finalizers?.indexOf(CREDENTIAL_FINALIZER) ?? -1;
      if (!cur || i < 0 || (request.uid && cur.metadata.uid !== request.uid)) return;
      try {
        await h.jsonPatch('DPUServiceCredentialRequest', request, [
          { op: 'test', path: `/metadata/finalizers/${i}`, value: CREDENTIAL_FINALIZER },
          { op: 'remove', path: `/metadata/finalizers/${i}` },
        ]);
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`releasing the finalizer: ${apiMessage(err)}`, { cause: err });
      }
    },
  };
}

/** The Secret's keys: `kubeconfig`, or `token`, `ca.crt` and `server`. */
export function secretData(spec: CredentialRequestSpec, t: IssuedToken): Record<string, string> {
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
  return { kubeconfig: k8s.dumpYaml(kubeconfig) };
}

export type ServiceCredentialActivities = ReturnType<typeof createServiceCredentialActivities>;
