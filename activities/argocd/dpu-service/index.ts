/**
 * A DPUService in its DPU clusters, through Argo CD: the target namespace and
 * mirrored image pull Secrets, one Application per DPU cluster (in its
 * `argocd` namespace), the wait until every Application is Synced and
 * Healthy *for the wanted release*, and deletion; and the DPUService's own
 * status and finalizer in the host cluster. One job per file; every activity
 * is idempotent: it reads before it writes, and an Application whose rendered
 * spec hash is unchanged is not written at all (no resync, no pod restarts).
 */
import type * as k8s from '@kubernetes/client-node';
import { applyActivity } from './apply';
import { awaitHealthyActivity } from './await-healthy';
import { serviceClusters } from './clusters';
import { deleteActivity } from './delete';
import { prepareClusterActivity } from './prepare-cluster';
import { releaseActivity } from './release';
import { reportActivity } from './report';

export function createDpuServiceActivities(kc: k8s.KubeConfig | undefined) {
  const clusters = serviceClusters(kc);
  return {
    ...prepareClusterActivity(clusters),
    ...applyActivity(clusters),
    ...awaitHealthyActivity(clusters),
    ...deleteActivity(clusters),
    ...reportActivity(clusters),
    ...releaseActivity(clusters),
  };
}

export type DpuServiceActivities = ReturnType<typeof createDpuServiceActivities>;
export { applicationHash, type ApplyInput } from './apply';
export { readApplication, type AwaitInput, type AwaitResult } from './await-healthy';
export type { DeleteInput } from './delete';
export { DpuServiceFailureType } from './failures';
export type { ClusterTarget, PrepareInput } from './prepare-cluster';
export type { ServiceReport } from './report';
