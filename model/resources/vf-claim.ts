/**
 * VFClaim: one VF of a host PF for one running VM (charts/xpuflow/crds/
 * provisioning.xpuflow.dev_vfclaims.yaml). The same kind in a guest cluster
 * (written by a user, carried by the guest controller) and in the host
 * cluster (the mirror the vfClaim workflow writes, labelled with the guest
 * claim it serves).
 */
import { GROUP, type KubeCondition, type Resource } from './common';

/**
 * Where the VF comes from (`pfAddress` or `pool`, exactly one) and whom it is
 * for (`vmName` or `podName`, exactly one), as Harvester's vf-provisioner has
 * it: a claim names the device or the pool, the VM or the pod.
 */
export interface VfClaimSpec {
  /** The host node the VM runs on. */
  nodeName: string;
  /** The PF's PCI address on that host. */
  pfAddress?: string;
  /** One of the host's VF pools (the host worker's VF config, the pools its device plugin serves). */
  pool?: string;
  /** The VM; its QMP socket is <qmpDir>/<vmName>.qmp on the host. */
  vmName?: string;
  /** A pod of the guest cluster: the VF goes to the VM of the guest node it is scheduled on. */
  podName?: string;
}

export type VfClaimPhase = 'Pending' | 'Claiming' | 'Attached' | 'Releasing' | 'Failed';

export interface VfClaimStatus {
  phase?: VfClaimPhase;
  vfAddress?: string;
  /** The PF the VF is of (the pool's PF for a pool claim). */
  pfAddress?: string;
  /** The VM the VF went to (for a pod claim, the VM of the pod's guest node). */
  vmName?: string;
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
