/**
 * A `kamaji` DPUCluster's activities: make the TenantControlPlane and its
 * load balancer (after DPF's kamaji cluster manager), read what Kamaji
 * reports of it, copy Kamaji's admin kubeconfig into the DPUCluster's
 * kubeconfig Secret, remove all of it, and the DPUCluster's status and
 * finalizer. One job per file; every activity is idempotent.
 */
import type * as k8s from '@kubernetes/client-node';
import { hostCluster } from '../cluster-clients';
import { controlPlaneReadyActivity } from './control-plane-ready';
import { makeControlPlaneActivity } from './make-control-plane';
import { removeActivity } from './remove';
import { reportActivity } from './report';
import { writeKubeconfigActivity } from './write-kubeconfig';

export function createKamajiActivities(kc: k8s.KubeConfig | undefined) {
  const host = hostCluster(kc);
  return {
    ...makeControlPlaneActivity(host),
    ...controlPlaneReadyActivity(host),
    ...writeKubeconfigActivity(host),
    ...removeActivity(host),
    ...reportActivity(host),
  };
}

export type KamajiActivities = ReturnType<typeof createKamajiActivities>;
export { KamajiFailureType } from './current-cluster';
export type { ControlPlaneSeen } from './control-plane-ready';
export type { DpuClusterReport } from './report';
