/**
 * Informers (list + watch + cache) for the objects the controllers read,
 * from @kubernetes/client-node. A watch that drops is restarted.
 */
import * as k8s from '@kubernetes/client-node';
import { isNotFound } from '../platform/kube/client';
import { GROUP, Plural, VERSION, type Kind } from '../model/resources/common';

export type Informer<T extends k8s.KubernetesObject> = k8s.Informer<T> & k8s.ObjectCache<T>;

export function customInformer<T extends k8s.KubernetesObject>(
  kc: k8s.KubeConfig,
  kind: Kind,
  namespace: string,
): Informer<T> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const plural = Plural[kind];
  return k8s.makeInformer<T>(
    kc,
    `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`,
    async () =>
      (await custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural,
      })) as k8s.KubernetesListObject<T>,
  );
}

export function nodeInformer(kc: k8s.KubeConfig): Informer<k8s.V1Node> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return k8s.makeInformer<k8s.V1Node>(kc, '/api/v1/nodes', () => core.listNode());
}

/** Starts the informer and keeps it running: a watch error restarts it after a second. */
export async function run<T extends k8s.KubernetesObject>(
  inf: Informer<T>,
  name: string,
  log: (m: string) => void,
  stopped: () => boolean,
): Promise<void> {
  inf.on('error', (err: unknown) => {
    if (stopped()) return;
    log(`watch of ${name} ended (${(err as Error)?.message ?? String(err)}); restarting`);
    setTimeout(() => {
      if (!stopped())
        void inf.start().catch((e: Error) => log(`restart of ${name} watch failed: ${e.message}`));
    }, 1000).unref();
  });
  await inf.start();
}

/**
 * The kinds whose CRD the cluster does not serve. `helm upgrade` installs no
 * new CRDs, so a controller of a kind added later checks first and stays off
 * (saying how to fix it) instead of stopping every other controller.
 */
export async function unservedKinds(kc: k8s.KubeConfig, kinds: Kind[], namespace: string): Promise<Kind[]> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const missing: Kind[] = [];
  for (const kind of kinds) {
    try {
      await custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: Plural[kind],
        limit: 1,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing.push(kind);
    }
  }
  return missing;
}

/** The log line for kinds left unwatched because their CRDs are missing. */
export function unservedMessage(missing: Kind[]): string {
  const files = missing.map((k) => `charts/xpuflow/crds/${GROUP}_${Plural[k]}.yaml`).join(', ');
  return `${missing.join(' and ')} objects are not watched: their CRD is not installed (helm upgrade adds no new CRDs); apply ${files} and restart the controller`;
}
