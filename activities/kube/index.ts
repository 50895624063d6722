/**
 * Activities that talk to Kubernetes, on the control queue. The client is
 * made on first use, so a worker without a cluster still starts; a flow that
 * needs one then fails saying how to configure it.
 */
import type * as k8s from '@kubernetes/client-node';
import { setRolloutProgress } from '../../platform/observability/metrics';
import { hostCluster } from './cluster-clients';
import { dmsDeploymentActivities } from './dms-deployment';
import { dpuClusterActivities } from './dpu-cluster';
import { dpusetActivities } from './dpuset';
import { nodeEffectActivities } from './node-effect';
import { reportActivities } from './report-status';

export function createKubeActivities(kc: k8s.KubeConfig | undefined) {
  const kube = hostCluster(kc);
  return {
    ...reportActivities(kube),
    ...nodeEffectActivities(kube),
    ...dmsDeploymentActivities(kube),
    ...dpuClusterActivities(kube),
    ...withRolloutGauge(dpusetActivities(kube)),
  };
}

/**
 * The xpuflow_rollout_progress_ratio gauge, from the progress a DPUSet status
 * report carries, set beside the status write rather than in it. (Its home is
 * an activity interceptor in platform/observability, as the flash metrics.)
 */
function withRolloutGauge<A extends ReturnType<typeof dpusetActivities>>(acts: A): A {
  return {
    ...acts,
    async reportDpuSet(input: Parameters<A['reportDpuSet']>[0]): Promise<void> {
      if (input.progress) setRolloutProgress(input.progress.rollout, input.progress.ratio);
      await acts.reportDpuSet(input);
    },
  };
}

export type KubeActivities = ReturnType<typeof createKubeActivities>;
export { isDpuReady, type DpuHealth } from './dpuset';
export type { DpuReport } from './report-status';
export type { NodeEffectInput } from './node-effect';
export type { DpuClusterInput } from './dpu-cluster';
