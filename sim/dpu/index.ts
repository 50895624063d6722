export { parseBfCfgJoin, playDpuJoins, type DpuJoinState, type PlayedDpuJoins } from './join';
export { JoinRefused, kubeadmJoin, type Joined, type KubeadmJoinArgs } from './kubeadm-join';
export { startDpuClusterJoins, type DpuClusterJoins } from './dpu-cluster-joins';
