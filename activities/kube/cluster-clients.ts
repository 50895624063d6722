/**
 * The two clusters activities reach: the host cluster (the worker's own
 * kubeconfig, made on first use so a worker without one still starts) and a
 * DPU cluster (the kubeconfig in the Secret its DPUCluster names); and the
 * last write of every flow that owns an object: releasing its finalizer.
 */
import crypto from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type * as k8s from '@kubernetes/client-node';
import { isNotFound, Kube } from '../../platform/kube/client';
import { kubeConfigFromYaml } from '../../platform/kube/config';
import { kubeconfigSecretOf } from '../../model/dpu-cluster';
import type { DpuClusterResource, Kind, ObjectRef, Resource } from '../../model/resources/common';

/** A getter for the host cluster's client; without a kubeconfig it fails saying how to give one. */
export function hostCluster(kc: k8s.KubeConfig | undefined): () => Kube {
  let client: Kube | undefined;
  return () => {
    if (!kc) {
      throw ApplicationFailure.nonRetryable(
        'this control worker has no Kubernetes cluster: set XPUFLOW_KUBECONFIG (or KUBECONFIG) or run it in a pod',
        'NoCluster',
      );
    }
    client ??= new Kube(kc);
    return client;
  };
}

export interface DpuClusterLookup {
  /** What to do when the DPUCluster does not exist, e.g. "create it or fix the DPU's spec.cluster.name". */
  fixMissing: string;
  /** Failure types (default DpuClusterNotFound, DpuClusterKubeconfigMissing). */
  notFoundType?: string;
  kubeconfigMissingType?: string;
}

/**
 * The DPU clusters' clients made so far, per host-cluster client and DPUCluster, with a digest of
 * the kubeconfig each was made from. A client is made again only when its kubeconfig changes:
 * each new KubeConfig gets new HTTPS agents (platform/kube/kept-alive-agents.ts keys them by
 * KubeConfig), so a client per call made a new TLS connection to the DPU cluster on every look of
 * a wait.
 */
const madeClients = new WeakMap<
  Kube,
  Map<string, { digest: string; client: { kube: Kube; kc: k8s.KubeConfig } }>
>();

/**
 * The client of DPUCluster `ref` (in the host cluster), from its kubeconfig Secret, read on every
 * call (a rotated kubeconfig is used at once); the client itself is kept while the kubeconfig is
 * the same.
 */
export async function dpuClusterClient(
  host: Kube,
  ref: ObjectRef,
  lookup: DpuClusterLookup,
): Promise<{ kube: Kube; kc: k8s.KubeConfig }> {
  const dc = await host.get<DpuClusterResource>('DPUCluster', ref);
  if (!dc) {
    throw ApplicationFailure.nonRetryable(
      `DPUCluster ${ref.namespace}/${ref.name} does not exist: ${lookup.fixMissing}`,
      lookup.notFoundType ?? 'DpuClusterNotFound',
    );
  }
  const { name, key } = kubeconfigSecretOf(dc);
  const secret = await host.getSecret(ref.namespace, name);
  const data = secret?.data?.[key];
  if (!data) {
    throw ApplicationFailure.nonRetryable(
      `Secret ${ref.namespace}/${name} ${secret ? `has no key ${JSON.stringify(key)}` : 'does not exist'}: DPUCluster ${ref.name} needs its kubeconfig there`,
      lookup.kubeconfigMissingType ?? 'DpuClusterKubeconfigMissing',
    );
  }
  let made = madeClients.get(host);
  if (!made) madeClients.set(host, (made = new Map()));
  const cacheKey = `${ref.namespace}/${ref.name}`;
  const digest = crypto.createHash('sha256').update(data).digest('hex');
  const kept = made.get(cacheKey);
  if (kept?.digest === digest) return kept.client;
  const kc = kubeConfigFromYaml(
    Buffer.from(data, 'base64').toString('utf8'),
    `Secret ${ref.namespace}/${name} key ${key}`,
  );
  const client = { kube: new Kube(kc), kc };
  made.set(cacheKey, { digest, client });
  return client;
}

/**
 * Removes `finalizer` from the object (when it is there, and when `ref.uid`
 * is given only from that very object) so the API server can finish deleting
 * it. The JSON patch tests the index first, so a concurrent change fails it
 * rather than remove somebody else's finalizer; an object already gone is fine.
 */
export async function releaseFinalizer(
  host: Kube,
  kind: Kind,
  ref: ObjectRef,
  finalizer: string,
): Promise<void> {
  const cur = await host.get<Resource<unknown, unknown>>(kind, ref);
  if (!cur || (ref.uid && cur.metadata.uid !== ref.uid)) return;
  const i = (cur.metadata.finalizers ?? []).indexOf(finalizer);
  if (i < 0) return;
  try {
    await host.jsonPatch(kind, ref, [
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ]);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
