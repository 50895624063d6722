/**
 * `makeKamajiControlPlane`: what DPF's reconcileKamaji and reconcileKeepalived
 * make (NVIDIA/doca-platform internal/clustermanager/kamaji/handler.go @
 * 1f6a80c0b087), in its order: a NodePort Service named after the cluster
 * (the API server allocates its port; Kamaji adopts the Service when it
 * reconciles the TenantControlPlane of that name), the TenantControlPlane
 * with that port, and the keepalived load balancer. Idempotent: what exists
 * is kept, so a retried or replayed call makes nothing twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type * as k8s from '@kubernetes/client-node';
import type { ObjectRef } from '../../../model/resources/common';
import {
  DPU_CLUSTER_LABEL,
  dpuClusterSpecProblems,
  kamajiObjectNames,
  ownedByCluster,
  tenantControlPlaneBody,
} from '../../../model/dpu-cluster';
import { apiMessage, isNotFound, statusCode, type Kube } from '../../../platform/kube/client';
import { applyLoadBalancer } from './load-balancer';
import { currentCluster, KamajiFailureType } from './current-cluster';
import { createTenantControlPlane, getTenantControlPlane } from './tenant-control-planes';

export interface MadeControlPlane {
  nodePort: number;
  made: string[];
}

export function makeControlPlaneActivity(host: () => Kube) {
  return {
    async makeKamajiControlPlane(ref: ObjectRef): Promise<MadeControlPlane> {
      const h = host();
      const dc = await currentCluster(h, ref);
      const problems = dpuClusterSpecProblems(dc.spec);
      if (problems.length > 0)
        throw ApplicationFailure.nonRetryable(`${problems.join('; ')}`, KamajiFailureType.InvalidSpec);
      const names = kamajiObjectNames(ref.name);
      const owner = { name: ref.name, namespace: ref.namespace, uid: dc.metadata.uid! };
      const made: string[] = [];
      const tcp = await getTenantControlPlane(h, ref.namespace, names.tenantControlPlane).catch(
        (err: unknown) => {
          throw notServed(err);
        },
      );
      let nodePort = (tcp?.spec.networkProfile as { port?: number } | undefined)?.port ?? 0;
      if (!tcp) {
        const svc = await ensureService(h, ref, owner, made);
        nodePort = svc.spec?.ports?.find((p) => p.name === 'kube-apiserver')?.nodePort ?? 0;
        if (!nodePort)
          throw ApplicationFailure.retryable(
            `Service ${ref.namespace}/${names.service} has no NodePort for port kube-apiserver yet`,
            KamajiFailureType.NoNodePort,
          );
        await createTenantControlPlane(
          h,
          ref.namespace,
          tenantControlPlaneBody({ ...owner, spec: dc.spec }, nodePort),
        ).catch((err: unknown) => {
          if (statusCode(err) === 409) return; // made by an earlier try of this activity
          throw notServed(err);
        });
        made.push(
          `TenantControlPlane ${ref.namespace}/${names.tenantControlPlane} (Kubernetes ${dc.spec.kamaji!.version})`,
        );
      }
      if (dc.spec.kamaji?.keepalived) {
        made.push(
          await applyLoadBalancer(h, { cluster: owner, keepalived: dc.spec.kamaji.keepalived, nodePort }),
        );
      }
      return { nodePort, made };
    },
  };
}

/** DPF's expectedService: NodePort, port kube-apiserver, selecting Kamaji's control-plane pods. */
async function ensureService(
  h: Kube,
  ref: ObjectRef,
  owner: { name: string; uid: string },
  made: string[],
): Promise<k8s.V1Service> {
  const name = kamajiObjectNames(ref.name).service;
  try {
    return await h.core.readNamespacedService({ namespace: ref.namespace, name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const svc = await h.core.createNamespacedService({
    namespace: ref.namespace,
    body: {
      metadata: { name, labels: { [DPU_CLUSTER_LABEL]: ref.name }, ownerReferences: ownedByCluster(owner) },
      spec: {
        type: 'NodePort',
        ports: [{ name: 'kube-apiserver', protocol: 'TCP', port: 6443 }],
        selector: { 'kamaji.clastix.io/name': ref.name },
      },
    },
  });
  made.push(`Service ${ref.namespace}/${name}`);
  return svc;
}

/** A host cluster without Kamaji's CRD answers 404 for the whole resource: say what to install. */
function notServed(err: unknown): unknown {
  if (!isNotFound(err)) return err;
  return ApplicationFailure.nonRetryable(
    `the host cluster does not serve tenantcontrolplanes.kamaji.clastix.io/v1alpha1 (${apiMessage(err)}): install Kamaji (https://kamaji.clastix.io) or use spec.type static`,
    KamajiFailureType.KamajiNotInstalled,
  );
}
