/** The DPUCluster an activity acts for, read fresh; one deleted and made again under the same name is not it. */
import { ApplicationFailure } from '@temporalio/activity';
import type { DpuClusterResource, ObjectRef } from '../../../model/resources/common';
import type { Kube } from '../../../platform/kube/client';

/** What the kamaji activities throw, by failure type. */
export const KamajiFailureType = {
  /** The DPUCluster (with this UID) is gone. */
  DpuClusterGone: 'DpuClusterGone',
  /** The spec misses what type kamaji needs (the CRD's CEL rules refuse it; an older CRD did not). */
  InvalidSpec: 'InvalidSpec',
  /** The host cluster does not serve Kamaji's TenantControlPlane API. */
  KamajiNotInstalled: 'KamajiNotInstalled',
  /** The control plane's Service has no NodePort yet. */
  NoNodePort: 'NoNodePort',
  /** Kamaji reports the control plane Ready but its admin kubeconfig Secret is missing or has no admin.conf. */
  AdminKubeconfigMissing: 'AdminKubeconfigMissing',
} as const;

export async function currentCluster(h: Kube, ref: ObjectRef): Promise<DpuClusterResource> {
  const dc = await h.get<DpuClusterResource>('DPUCluster', ref);
  if (!dc || (ref.uid && dc.metadata.uid !== ref.uid)) {
    throw ApplicationFailure.nonRetryable(
      `DPUCluster ${ref.namespace}/${ref.name}${ref.uid ? ` (uid ${ref.uid})` : ''} is gone`,
      KamajiFailureType.DpuClusterGone,
    );
  }
  return dc;
}
