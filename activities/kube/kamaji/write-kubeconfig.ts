/**
 * `writeDpuClusterKubeconfig`: the DPUCluster's kubeconfig Secret, copied
 * from the admin kubeconfig Kamaji writes (key admin.conf, the key DPF reads
 * in internal/dpucluster/dpucluster.go @ 1f6a80c0b087), under the Secret and
 * key the DPUCluster names (default `<name>-kubeconfig`, key kubeconfig), so
 * every reader of a DPUCluster's kubeconfig reads a kamaji one as a static one.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { ObjectRef } from '../../../model/resources/common';
import {
  DPU_CLUSTER_LABEL,
  KAMAJI_ADMIN_KUBECONFIG_KEY,
  kubeconfigSecretOf,
  ownedByCluster,
} from '../../../model/dpu-cluster';
import { statusCode, type Kube } from '../../../platform/kube/client';
import { currentCluster, KamajiFailureType } from './current-cluster';

export function writeKubeconfigActivity(host: () => Kube) {
  return {
    async writeDpuClusterKubeconfig(input: { cluster: ObjectRef; adminSecret: string }): Promise<string> {
      const h = host();
      const { cluster: ref, adminSecret } = input;
      const dc = await currentCluster(h, ref);
      const admin = await h.getSecret(ref.namespace, adminSecret);
      const conf = admin?.data?.[KAMAJI_ADMIN_KUBECONFIG_KEY];
      if (!conf) {
        throw ApplicationFailure.retryable(
          `Secret ${ref.namespace}/${adminSecret} named by the TenantControlPlane's status.kubeconfig.admin ${admin ? `has no key ${KAMAJI_ADMIN_KUBECONFIG_KEY}` : 'does not exist'} yet`,
          KamajiFailureType.AdminKubeconfigMissing,
        );
      }
      const { name, key } = kubeconfigSecretOf(dc);
      const body = {
        metadata: {
          name,
          labels: { [DPU_CLUSTER_LABEL]: ref.name },
          ownerReferences: ownedByCluster({ name: ref.name, uid: dc.metadata.uid! }),
        },
        data: { [key]: conf },
      };
      try {
        await h.core.createNamespacedSecret({ namespace: ref.namespace, body });
      } catch (err) {
        if (statusCode(err) !== 409) throw err;
        const cur = await h.core.readNamespacedSecret({ namespace: ref.namespace, name });
        if (cur.metadata?.labels?.[DPU_CLUSTER_LABEL] !== ref.name) {
          throw ApplicationFailure.nonRetryable(
            `Secret ${ref.namespace}/${name} exists and was not written for DPUCluster ${ref.name} (no label ${DPU_CLUSTER_LABEL}=${ref.name}): name another Secret in spec.kubeconfigSecret or delete it`,
            KamajiFailureType.InvalidSpec,
          );
        }
        await h.core.replaceNamespacedSecret({
          namespace: ref.namespace,
          name,
          body: { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } },
        });
      }
      return `${ref.namespace}/${name}`;
    },
  };
}
