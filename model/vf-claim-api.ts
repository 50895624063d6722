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

/** A pool name, as the host worker's VF config accepts it (node/deviceplugin/pool.ts poolProblems). */
const POOL_NAME = /^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/i;
const VM_NAME = /^[a-z0-9][-a-z0-9]{0,40}$/;

/** A spec problem the API server's CEL rules would have refused (a claim written before the CRD), or undefined. */
export function vfClaimSpecProblem(spec: VfClaimSpec | undefined): string | undefined {
  if (!spec || typeof spec !== 'object') return 'spec is missing';
  const { pfAddress, pool, vmName, podName } = spec;
  if ((pfAddress === undefined) === (pool === undefined))
    return pfAddress === undefined
      ? 'spec names neither pfAddress nor pool: name exactly one'
      : `spec names both pfAddress ${JSON.stringify(pfAddress)} and pool ${JSON.stringify(pool)}: name exactly one`;
  if ((vmName === undefined) === (podName === undefined))
    return vmName === undefined
      ? 'spec names neither vmName nor podName: name exactly one'
      : `spec names both vmName ${JSON.stringify(vmName)} and podName ${JSON.stringify(podName)}: name exactly one`;
  if (pfAddress !== undefined && !/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(pfAddress))
    return `spec.pfAddress ${JSON.stringify(pfAddress)} is not a PCI address like 0000:5e:00.0`;
  if (pool !== undefined && !POOL_NAME.test(pool))
    return `spec.pool ${JSON.stringify(pool)} is not a pool name (letters, digits, - _ .)`;
  if (vmName !== undefined && !VM_NAME.test(vmName))
    return `spec.vmName ${JSON.stringify(vmName)} must be lowercase letters, digits and '-'`;
  if (podName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(podName))
    return `spec.podName ${JSON.stringify(podName)} is not a pod name`;
  if (!/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(spec.nodeName ?? ''))
    return `spec.nodeName ${JSON.stringify(spec.nodeName)} is not a node name`;
  return undefined;
}

/** The VM a guest node stands for: its name must be one the host can look up (a QMP socket name). */
export function vmNameProblem(vm: string): string | undefined {
  return VM_NAME.test(vm)
    ? undefined
    : `${JSON.stringify(vm)} is not a VM name (lowercase letters, digits and '-')`;
}

/** The host-cluster mirror's name: the guest cluster, namespace and name, and the UID's first block. */
export function hostVfClaimName(guest: GuestClaimRef): string {
  const base = `${guest.cluster}-${guest.namespace}-${guest.name}`.slice(0, 240);
  return `${base}-${guest.uid.slice(0, 8)}`;
}
