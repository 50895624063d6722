/**
 * What the credential activities share: the host cluster, the target cluster
 * of a spec (the host's own, or a DPUCluster's from its kubeconfig Secret),
 * and the spec check every activity makes before it acts.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Kube } from '../../../platform/kube/client';
import { targetName, type CredentialSpec } from '../../../model/resources/credential';
import type { ObjectRef } from '../../../model/resources/common';
import { credentialSpecProblems } from '../../../model/credential';
import { dpuClusterClient, hostCluster } from '../cluster-clients';
import { CredentialFailureType, fixMissingTarget, invalidSpec } from './failures';

export interface CredentialTarget {
  request: ObjectRef;
  spec: CredentialSpec;
}

export interface TargetCluster {
  kube: Kube;
  kc: k8s.KubeConfig;
  /** As a person reads it: "the host cluster", "DPUCluster dpu-cluster-1". */
  name: string;
}

export interface CredentialClusters {
  host: () => Kube;
  target: (t: CredentialTarget) => Promise<TargetCluster>;
}

export function credentialClusters(kc: k8s.KubeConfig | undefined): CredentialClusters {
  const host = hostCluster(kc);
  return {
    host,
    async target(t) {
      const h = host();
      const name = targetName(t.spec);
      if (!t.spec.targetCluster) return { kube: h, kc: h.kc, name };
      const ref = { namespace: t.request.namespace, name: t.spec.targetCluster };
      const c = await dpuClusterClient(h, ref, {
        fixMissing: fixMissingTarget(t.spec.targetCluster),
        notFoundType: CredentialFailureType.TargetClusterNotFound,
        kubeconfigMissingType: CredentialFailureType.TargetClusterKubeconfigMissing,
      });
      return { ...c, name };
    },
  };
}

/** Throws InvalidSpec naming every problem. */
export function checkSpec(spec: CredentialSpec): void {
  const problems = credentialSpecProblems(spec);
  if (problems.length > 0) throw invalidSpec(problems);
}
