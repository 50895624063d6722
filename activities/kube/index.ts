/**
 * Activities that talk to Kubernetes, on the control queue. The client is
 * made on first use, so a worker without a cluster still starts; a flow that
 * needs one then fails saying how to configure it.
 */
import type * as k8s from '@kubernetes/client-node';
import { hostCluster } from './cluster-clients';
import type { DmsPodLayout } from '../../model/dms-pod';
import { dmsDeploymentActivities } from './dms-deployment';
import { dpuClusterActivities, type DpuClusterInput } from './dpu-cluster';
import { readJoinMaterial } from './dpu-cluster-join-material';
import { dpusetActivities } from './dpuset';
import { discoveryReportActivities } from './dpu-discovery';
import { nodeEffectActivities } from './node-effect';
import { reportActivities } from './report-status';
import { vfClaimActivities } from './vf-claim';

/** `dmsPod`: the DMS pod's layout (chart values `dms:`); default NVIDIA DPF's (model/dms-pod.ts). */
export function createKubeActivities(kc: k8s.KubeConfig | undefined, dmsPod?: DmsPodLayout) {
  const kube = hostCluster(kc);
  return {
    ...reportActivities(kube),
    ...nodeEffectActivities(kube),
    ...dmsDeploymentActivities(kube, dmsPod),
    ...dpuClusterActivities(kube),
    ...dpusetActivities(kube),
    ...discoveryReportActivities(kube),
    ...vfClaimActivities(kube, process.env.XPUFLOW_VF_CLAIM_NAMESPACE || 'default'),
  };
}

export type KubeActivities = ReturnType<typeof createKubeActivities>;

/** Reads a DPU's join material (token secret included) for the bf.cfg activity; deliberately not an activity. */
export function createJoinMaterialReader(kc: k8s.KubeConfig | undefined) {
  const kube = hostCluster(kc);
  return (input: DpuClusterInput) => readJoinMaterial(kube(), input);
}
export { isDpuReady, type DpuHealth, type TeardownStage } from './dpuset';
export type { DpuReport } from './report-status';
export type { NodeEffectInput } from './node-effect';
export type { DpuClusterInput } from './dpu-cluster';
export type { ApplyDiscoveryInput, DiscoveryFailureReport } from './dpu-discovery';
export { guestVfClaimActivities, type GuestVfClaimActivities } from './guest-vf-claim';
