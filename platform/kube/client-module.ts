/**
 * @kubernetes/client-node, loaded on first use rather than at import. Loading
 * it costs a process about 46 MiB of RSS (README "Process memory"); a control
 * worker without a cluster (no XPUFLOW_KUBECONFIG or KUBECONFIG, not in a pod)
 * never calls it, so it never pays. Modules that use the client's values
 * (classes, functions) take them from here and import the package itself only
 * as types.
 */
import type * as K8s from '@kubernetes/client-node';
import { keepKubeAgentsAlive } from './kept-alive-agents';

let loaded: typeof K8s | undefined;

export function kubeClientModule(): typeof K8s {
  // A plain import would load the package with the first module that names it.
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('@kubernetes/client-node') as typeof K8s;
    keepKubeAgentsAlive(loaded);
  }
  return loaded;
}
