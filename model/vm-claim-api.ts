/** The VM claim workflow's input, status and messages. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export interface VmClaimInput {
  node: string;
  /** PF PCI address. */
  pf: string;
  /** VM name (QMP device id derives from it). */
  vm: string;
  /** The VM's QMP unix socket on the node. */
  qmpSocket: string;
  /**
   * A workflow to signal (vmClaimAttachedSignal) once the VF is plugged in:
   * the vfClaim workflow that started this one as its child. Absent for a
   * claim from the CLI (and in every history before it existed).
   */
  notifyWorkflowId?: string;
}

export interface VmClaimStatus {
  phase: 'Claiming' | 'Binding' | 'HotPlugging' | 'Attached' | 'Releasing' | 'Released' | 'Failed';
  pciAddress?: string;
  deviceId?: string;
  originalDriver?: string;
  lastError?: string;
}

export const vmClaimStatusQuery = defineQuery<VmClaimStatus>('vmClaimStatus');
export const vmReleaseSignal = defineSignal<[{ reason?: string }]>('vmRelease');

export const vmClaimAttachedSignal = defineSignal<[VmClaimStatus]>('vmClaimAttached');
