/** `dpuServicePrepareCluster`: the target namespace and the mirrored image pull Secrets in one DPU cluster. */
import type * as k8s from '@kubernetes/client-node';
import { isConflict } from '../../../platform/kube/client';
import type { ObjectRef } from '../../../model/resources/common';
import { sameJson } from '../../../model/dpu-service';
import { ensureNamespace, labelsOf, type ServiceClusters } from './clusters';
import { pullSecretNotFound } from './failures';

export interface ClusterTarget {
  service: ObjectRef;
  /** A DPUCluster in the service's namespace. */
  cluster: string;
}

export interface PrepareInput extends ClusterTarget {
  namespace: string;
  imagePullSecrets: string[];
}

export function prepareClusterActivity({ host, dpuCluster }: ServiceClusters) {
  return {
    /** Returns what it did, one line each (nothing when all was there). */
    async dpuServicePrepareCluster(input: PrepareInput): Promise<string[]> {
      const k = await dpuCluster(input.service, input.cluster);
      const did: string[] = [];
      if (await ensureNamespace(k, input.namespace)) did.push(`created namespace ${input.namespace}`);
      for (const name of input.imagePullSecrets) {
        const src = await host().getSecret(input.service.namespace, name);
        if (!src) throw pullSecretNotFound(input.service, name);
        const body: k8s.V1Secret = {
          metadata: { name, namespace: input.namespace, labels: labelsOf(input.service) },
          type: src.type,
          data: src.data ?? {},
        };
        const have = await k.getSecret(input.namespace, name);
        if (!have) {
          try {
            await k.core.createNamespacedSecret({ namespace: input.namespace, body });
            did.push(`mirrored Secret ${name}`);
          } catch (err) {
            if (!isConflict(err)) throw err;
          }
        } else if (!sameJson(have.data ?? {}, src.data ?? {}) || have.type !== src.type) {
          await k.core.replaceNamespacedSecret({
            name,
            namespace: input.namespace,
            body: {
              ...body,
              metadata: { ...body.metadata, resourceVersion: have.metadata?.resourceVersion },
            },
          });
          did.push(`updated mirrored Secret ${name}`);
        }
      }
      return did;
    },
  };
}
