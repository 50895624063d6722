/**
 * DPU Cluster Config: the DPU joins the DPU cluster named by its DPUCluster
 * (reached through a kubeconfig Secret). xpuflow makes a bootstrap join token
 * there (before OS Installing, whose bf.cfg carries the kubeadm join:
 * activities/bfb/install-bf-cfg.ts), waits for the DPU's node to be Ready,
 * and labels it. The token's secret goes only to DMS inside the bf.cfg:
 * only its ID goes into history.
 * One job per file (dpu-cluster-*.ts).
 */
import type { Kube } from '../../platform/kube/client';
import { dpuClusterOf } from './dpu-cluster-client';
import { joinTokenActivity } from './dpu-cluster-join-token';
import { labelNodeActivity } from './dpu-cluster-label-node';
import { nodeReadyActivity } from './dpu-cluster-node-ready';
import { removeFromClusterActivity } from './dpu-cluster-remove';

export function dpuClusterActivities(kube: () => Kube) {
  const dpuCluster = dpuClusterOf(kube);
  return {
    ...joinTokenActivity(dpuCluster),
    ...nodeReadyActivity(dpuCluster),
    ...labelNodeActivity(dpuCluster),
    ...removeFromClusterActivity(dpuCluster),
  };
}

export type { DpuClusterInput } from './dpu-cluster-client';
