/**
 * Where xpuflow finds its Kubernetes cluster: XPUFLOW_KUBECONFIG, else
 * KUBECONFIG, else the in-cluster service account. Undefined when none is
 * set and we are not in a pod: the flows then run without a cluster.
 */
import fs from 'node:fs';
import type * as k8s from '@kubernetes/client-node';
import { kubeClientModule } from './client-module';

export function kubeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): k8s.KubeConfig | undefined {
  const file = env.XPUFLOW_KUBECONFIG ?? env.KUBECONFIG;
  if (file) {
    if (!fs.existsSync(file)) {
      throw new Error(
        `kubeconfig ${file} (from ${env.XPUFLOW_KUBECONFIG ? 'XPUFLOW_KUBECONFIG' : 'KUBECONFIG'}) does not exist: fix the path or unset it`,
      );
    }
    const kc = new (kubeClientModule().KubeConfig)();
    kc.loadFromFile(file);
    return kc;
  }
  if (env.KUBERNETES_SERVICE_HOST && fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')) {
    const kc = new (kubeClientModule().KubeConfig)();
    kc.loadFromCluster();
    return kc;
  }
  return undefined;
}

export function kubeConfigFromYaml(yaml: string, what: string): k8s.KubeConfig {
  const kc = new (kubeClientModule().KubeConfig)();
  try {
    kc.loadFromString(yaml);
  } catch (err) {
    throw new Error(`${what} is not a valid kubeconfig: ${(err as Error).message}`, { cause: err });
  }
  if (!kc.getCurrentCluster()) throw new Error(`${what} names no current cluster: set current-context`);
  return kc;
}
