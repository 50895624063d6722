/**
 * The vfClaim workflow: a guest cluster's VFClaim carried to the host through
 * Temporal. The guest controller (guest credentials only) starts it and
 * signals the release; the control worker (host credentials) writes the host
 * cluster's mirror; the host worker does the VF work through the vmClaim
 * child; the guest worker (guest credentials, queue xpuflow-guest-<cluster>)
 * writes the guest claim's status and lets its finalizer go.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VfClaimSpec, VfClaimStatus } from './resources/vf-claim';

export interface GuestClaimRef {
  /** The guest cluster's name, as its guest controller is configured (`--cluster`). */
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface VfClaimInput {
  guest: GuestClaimRef;
  spec: VfClaimSpec;
}

export const vfClaimReleaseSignal = defineSignal<[{ reason?: string }]>('vfClaimRelease');
export const vfClaimStatusQuery = defineQuery<VfClaimStatus>('vfClaimStatus');

/** A spec problem the API server's CEL rules would have refused (a claim written before the CRD), or undefined. */
export function vfClaimSpecProblem(spec: VfClaimSpec | undefined): string | undefined {
  if (!spec || typeof spec !== 'object') return 'spec is missing';
  if (!/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(spec.pfAddress ?? ''))
    return `spec.pfAddress ${JSON.stringify(spec.pfAddress)} is not a PCI address like 0000:5e:00.0`;
  if (!/^[a-z0-9][-a-z0-9]{0,40}$/.test(spec.vmName ?? ''))
    return `spec.vmName ${JSON.stringify(spec.vmName)} must be lowercase letters, digits and '-'`;
  if (!/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(spec.nodeName ?? ''))
    return `spec.nodeName ${JSON.stringify(spec.nodeName)} is not a node name`;
  return undefined;
}

/** The host-cluster mirror's name: the guest cluster, namespace and name, and the UID's first block. */
export function hostVfClaimName(guest: GuestClaimRef): string {
  const base = `${guest.cluster}-${guest.namespace}-${guest.name}`.slice(0, 240);
  return `${base}-${guest.uid.slice(0, 8)}`;
}
