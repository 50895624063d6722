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
