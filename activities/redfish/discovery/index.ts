/** The discovery scan's activities, on the control queue (they read the BMC credentials Secret). */
import type * as k8s from '@kubernetes/client-node';
import { hostCluster } from '../../kube/cluster-clients';
import { scanActivities } from './scan-bmcs';

export function createDiscoveryActivities(kc: k8s.KubeConfig | undefined) {
  return { ...scanActivities(hostCluster(kc)) };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
