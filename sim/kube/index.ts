export { KubeApiservers, kubeAssets, repoRoot, type KubeCluster } from './apiservers';
export { installCrds } from './crds';
export { playKubelets, createHostNode, type PlayedKubelets } from './kubelets';
export { registerDpuCluster } from './dpu-cluster';
