/**
 * `readKamajiControlPlane`: what Kamaji reports of the TenantControlPlane —
 * status.kubernetesResources.version.status (Ready once the control plane
 * serves, as DPF's getClusterCondition reads it, handler.go @ 1f6a80c0b087)
 * and status.kubeconfig.admin.secretName, the Secret holding admin.conf.
 * One read; the workflow polls it on durable timers.
 */
import type { ObjectRef } from '../../../model/resources/common';
import { kamajiObjectNames } from '../../../model/dpu-cluster';
import type { Kube } from '../../../platform/kube/client';
import { getTenantControlPlane } from './tenant-control-planes';

export interface ControlPlaneSeen {
  /** Kamaji's KubernetesVersionStatus, `Missing` when there is no TenantControlPlane, `Unreported` before Kamaji wrote one. */
  status: string;
  ready: boolean;
  adminSecret?: string;
  endpoint?: string;
}

export function controlPlaneReadyActivity(host: () => Kube) {
  return {
    async readKamajiControlPlane(ref: ObjectRef): Promise<ControlPlaneSeen> {
      const tcp = await getTenantControlPlane(
        host(),
        ref.namespace,
        kamajiObjectNames(ref.name).tenantControlPlane,
      );
      if (!tcp) return { status: 'Missing', ready: false };
      const status = tcp.status?.kubernetesResources?.version?.status ?? 'Unreported';
      const adminSecret = tcp.status?.kubeconfig?.admin?.secretName;
      const endpoint = tcp.status?.controlPlaneEndpoint;
      return {
        status,
        // Upgrading still serves (DPF counts it as created); a Ready without its admin kubeconfig is not usable yet.
        ready: (status === 'Ready' || status === 'Upgrading') && !!adminSecret,
        ...(adminSecret ? { adminSecret } : {}),
        ...(endpoint ? { endpoint } : {}),
      };
    },
  };
}
