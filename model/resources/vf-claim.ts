/**
 * VFClaim: one VF of a host PF for one running VM (charts/xpuflow/crds/
 * provisioning.xpuflow.dev_vfclaims.yaml). The same kind in a guest cluster
 * (written by a user, carried by the guest controller) and in the host
 * cluster (the mirror the vfClaim workflow writes, labelled with the guest
 * claim it serves).
 */
import { GROUP, type KubeCondition, type Resource } from './common';

export interface VfClaimSpec {
  /** The host node the VM runs on. */
  nodeName: string;
  /** The PF's PCI address on that host. */
  pfAddress: string;
  /** The VM; its QMP socket is <qmpDir>/<vmName>.qmp on the host. */
  vmName: string;
}

export type VfClaimPhase = 'Pending' | 'Claiming' | 'Attached' | 'Releasing' | 'Failed';

export interface VfClaimStatus {
  phase?: VfClaimPhase;
  vfAddress?: string;
  message?: string;
  workflowId?: string;
  /** Ready: True while the VF is in the VM (written from the phase, vfClaimReady). */
  conditions?: KubeCondition[];
}

export type VfClaimResource = Resource<VfClaimSpec, VfClaimStatus>;

/** Keeps a guest cluster's VFClaim until the host has unplugged, rebound and released its VF. */
export const VF_CLAIM_FINALIZER = `${GROUP}/vf-claim-release`;

/** Labels of a host-cluster VFClaim naming the guest claim it mirrors. */
export const GUEST_CLUSTER_LABEL = `${GROUP}/guest-cluster`;
export const GUEST_NAMESPACE_LABEL = `${GROUP}/guest-namespace`;
export const GUEST_NAME_LABEL = `${GROUP}/guest-name`;

const READY_REASON: Record<VfClaimPhase, string> = {
  Pending: 'Pending',
  Claiming: 'Claiming',
  Attached: 'Attached',
  Releasing: 'Releasing',
  Failed: 'ClaimFailed',
};

/** The Ready condition a claim's phase and message stand for. */
export function vfClaimReady(status: VfClaimStatus): Omit<KubeCondition, 'lastTransitionTime'> {
  const phase = status.phase ?? 'Pending';
  return {
    type: 'Ready',
    status: phase === 'Attached' ? 'True' : 'False',
    reason: READY_REASON[phase],
    message: status.message ?? phase,
  };
}
