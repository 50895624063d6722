/**
 * What the resource commands (`xpuflow service …`, `xpuflow deployment …`) share: the cluster from
 * the environment's kubeconfig and one named custom resource read from it, each failure a CliError
 * that says what to set or check.
 */
import type * as k8s from '@kubernetes/client-node';
import { apiMessage, Kube } from '../platform/kube/client';
import { kubeConfigFromEnv } from '../platform/kube/config';
import { Plural, type Kind } from '../model/resources/common';
import { CliError } from './cli-error';

/** The Kubernetes client for the cluster that holds `kind` objects (XPUFLOW_KUBECONFIG, else KUBECONFIG, else in-cluster). */
export function clusterKube(kind: Kind): Kube {
  let kc: k8s.KubeConfig | undefined;
  try {
    kc = kubeConfigFromEnv();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (!kc)
    throw new CliError(
      `no Kubernetes cluster: set XPUFLOW_KUBECONFIG (or KUBECONFIG) to the kubeconfig of the cluster with the ${kind}`,
    );
  return new Kube(kc);
}

/** Reads `kind` namespace/name; a missing object or a refused read is a CliError naming it. */
export async function readClusterResource<T>(
  k: Kube,
  kind: Kind,
  namespace: string,
  name: string,
): Promise<T> {
  let obj: T | undefined;
  try {
    obj = await k.get<T>(kind, { namespace, name });
  } catch (err) {
    throw new CliError(`cannot read ${kind} ${namespace}/${name}: ${apiMessage(err)}`, 1);
  }
  if (!obj)
    throw new CliError(
      `${kind} ${JSON.stringify(name)} not found in namespace ${namespace}: check the name (kubectl get ${Plural[kind]} -n ${namespace}) or pass --namespace`,
    );
  return obj;
}
