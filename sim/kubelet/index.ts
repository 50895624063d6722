export { startKubeletSim } from './kubelet';
export type { KubeletSim, KubeletPlugin, KubeletDevice } from './kubelet';
