/**
 * doctor: the Kubernetes API answers with the kubeconfig the controllers and
 * workers use (XPUFLOW_KUBECONFIG, else KUBECONFIG, else in-cluster).
 */
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFromEnv } from '../../platform/kube/config';
import { Problem, type Check } from './check';

export const kubeConnectionCheck: Check = {
  name: 'kubernetes',
  needs: [],
  timeoutFix: 'check that the API server in the kubeconfig is up and reachable from here',
  async run(ctx) {
    let kc;
    try {
      kc = kubeConfigFromEnv(ctx.env);
    } catch (err) {
      throw new Problem(
        (err as Error).message,
        'point XPUFLOW_KUBECONFIG or KUBECONFIG at a kubeconfig file',
      );
    }
    if (!kc)
      throw new Problem(
        'no kubeconfig: XPUFLOW_KUBECONFIG and KUBECONFIG are unset and this is not a pod',
        'set XPUFLOW_KUBECONFIG (or KUBECONFIG) to the kubeconfig the controllers use',
      );
    const server = kc.getCurrentCluster()?.server ?? '(no cluster in the current context)';
    const user = kc.getCurrentUser()?.name ?? '(no user)';
    let version;
    try {
      version = await kc.makeApiClient(k8s.VersionApi).getCode();
    } catch (err) {
      throw new Problem(
        `the Kubernetes API at ${server} (context ${kc.getCurrentContext()}, user ${user}) does not answer: ${(err as Error).message}`,
        'check the server address and CA in the kubeconfig, and that the API server runs',
      );
    }
    ctx.kc = kc;
    return `Kubernetes ${version.gitVersion} at ${server} answers (context ${kc.getCurrentContext()}, user ${user})`;
  },
};
