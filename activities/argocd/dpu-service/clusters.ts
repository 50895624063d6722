/**
 * What every DPUService activity shares: the host cluster, a DPU cluster's
 * client, the labels on what a DPUService makes there, and reads of its
 * Application and namespaces.
 */
import type * as k8s from '@kubernetes/client-node';
import { isConflict, isNotFound, type Kube } from '../../../platform/kube/client';
import {
  ARGO_APPLICATIONS,
  ARGO_GROUP,
  ARGO_NAMESPACE,
  ARGO_VERSION,
  DPU_SERVICE_LABEL,
  DPU_SERVICE_NAMESPACE_LABEL,
  type Application,
} from '../../../model/resources/dpu-service';
import type { ObjectRef } from '../../../model/resources/common';
import { applicationName } from '../../../model/dpu-service';
import { dpuClusterClient, hostCluster } from '../../kube/cluster-clients';
import { fixMissingCluster } from './failures';

export interface ServiceClusters {
  /** The host cluster (DPUService, DPUClusters, the pull Secrets to mirror). */
  host: () => Kube;
  /** DPUCluster `name` (in the service's namespace) through its kubeconfig Secret. */
  dpuCluster: (service: ObjectRef, name: string) => Promise<Kube>;
}

export function serviceClusters(kc: k8s.KubeConfig | undefined): ServiceClusters {
  const host = hostCluster(kc);
  return {
    host,
    dpuCluster: async (service, name) =>
      (
        await dpuClusterClient(
          host(),
          { namespace: service.namespace, name },
          { fixMissing: fixMissingCluster(service) },
        )
      ).kube,
  };
}

/** Set on the Application and the mirrored Secrets: which DPUService they belong to. */
export function labelsOf(service: ObjectRef): Record<string, string> {
  return {
    [DPU_SERVICE_LABEL]: service.name,
    [DPU_SERVICE_NAMESPACE_LABEL]: service.namespace,
  };
}

/** The DPUService's Application in a DPU cluster's `argocd` namespace. */
export function appRef(service: ObjectRef) {
  return {
    group: ARGO_GROUP,
    version: ARGO_VERSION,
    namespace: ARGO_NAMESPACE,
    plural: ARGO_APPLICATIONS,
    name: applicationName(service.namespace, service.name),
  };
}

export async function getApp(k: Kube, service: ObjectRef): Promise<Application | undefined> {
  try {
    return (await k.custom.getNamespacedCustomObject(appRef(service))) as Application;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Creates the namespace unless it exists; true when it was created. */
export async function ensureNamespace(k: Kube, name: string): Promise<boolean> {
  try {
    await k.core.readNamespace({ name });
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await k.core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  return true;
}
