/**
 * `dpuServiceApply`: creates or updates the DPUService's Application in one
 * DPU cluster. It writes only when the rendered spec's hash differs from the
 * one last written (no resync, no pod restarts for nothing).
 */
import { createHash } from 'node:crypto';
import { isConflict, jsonPatch } from '../../../platform/kube/client';
import {
  ARGO_APPLICATIONS,
  ARGO_GROUP,
  ARGO_NAMESPACE,
  ARGO_RESOURCES_FINALIZER,
  ARGO_VERSION,
  SPEC_HASH_ANNOTATION,
  type Application,
  type ServiceRelease,
} from '../../../model/resources/dpu-service';
import { applicationName, applicationSpec, canonical } from '../../../model/dpu-service';
import { appRef, ensureNamespace, getApp, labelsOf, type ServiceClusters } from './clusters';
import { applicationDeleting } from './failures';
import type { ClusterTarget } from './prepare-cluster';

export interface ApplyInput extends ClusterTarget {
  namespace: string;
  release: ServiceRelease;
}

/** A short hash of what we write into an Application: unchanged hash, nothing to write. */
export function applicationHash(
  app: Pick<Application, 'spec'> & { labels?: object; finalizers?: string[] },
): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(app)))
    .digest('hex')
    .slice(0, 16);
}

export function applyActivity({ dpuCluster }: ServiceClusters) {
  return {
    async dpuServiceApply(input: ApplyInput): Promise<{ changed: boolean; hash: string }> {
      const k = await dpuCluster(input.service, input.cluster);
      const name = applicationName(input.service.namespace, input.service.name);
      const spec = applicationSpec(input.release, input.namespace, input.service.name);
      const labels = labelsOf(input.service);
      const finalizers = [ARGO_RESOURCES_FINALIZER];
      const hash = applicationHash({ spec, labels, finalizers });
      await ensureNamespace(k, ARGO_NAMESPACE);
      const have = await getApp(k, input.service);
      if (!have) {
        try {
          await k.custom.createNamespacedCustomObject({
            group: ARGO_GROUP,
            version: ARGO_VERSION,
            namespace: ARGO_NAMESPACE,
            plural: ARGO_APPLICATIONS,
            body: {
              apiVersion: `${ARGO_GROUP}/${ARGO_VERSION}`,
              kind: 'Application',
              metadata: { name, labels, annotations: { [SPEC_HASH_ANNOTATION]: hash }, finalizers },
              spec,
            },
          });
          return { changed: true, hash };
        } catch (err) {
          if (!isConflict(err)) throw err;
          return { changed: false, hash }; // a retry after a lost reply: it is there now
        }
      }
      if (have.metadata.deletionTimestamp) throw applicationDeleting(input.service, input.cluster);
      if (have.metadata.annotations?.[SPEC_HASH_ANNOTATION] === hash) return { changed: false, hash };
      const ops: object[] = [
        { op: 'test', path: '/metadata/resourceVersion', value: have.metadata.resourceVersion },
        { op: 'replace', path: '/spec', value: spec },
        {
          op: 'add',
          path: '/metadata/annotations',
          value: { ...(have.metadata.annotations ?? {}), [SPEC_HASH_ANNOTATION]: hash },
        },
        { op: 'add', path: '/metadata/labels', value: { ...(have.metadata.labels ?? {}), ...labels } },
        {
          op: 'add',
          path: '/metadata/finalizers',
          value: [...new Set([...(have.metadata.finalizers ?? []), ...finalizers])],
        },
      ];
      await k.custom.patchNamespacedCustomObject({ ...appRef(input.service), body: ops }, jsonPatch());
      return { changed: true, hash };
    },
  };
}
