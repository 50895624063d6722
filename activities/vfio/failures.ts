/** The failures the VM claim activities throw, each saying what to do. */
import { ApplicationFailure } from '@temporalio/common';

export const VmFailureType = {
  /** Every VF of the PF is claimed, or a new one would mean destroying VFs in use. Non-retryable. */
  NoFreeVf: 'NoFreeVf',
  /** A VF this claim created was claimed by another first. Retryable. */
  VfRace: 'VfRace',
  /** QEMU refused device_add. Non-retryable. */
  QmpRefused: 'QmpRefused',
} as const;

export function allVfsInUse(pf: string, node: string, total: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `PF ${pf} on node ${node} has all ${total} VFs in use; release one or use another PF`,
    VmFailureType.NoFreeVf,
  );
}

export function countMustGoThroughZero(pf: string, node: string, count: number): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `PF ${pf} on node ${node} has no free VF and its ${count} VFs are in use: a new count must go through 0, which would destroy them; raise numVfs while the PF is idle`,
    VmFailureType.NoFreeVf,
  );
}

export function vfTaken(pf: string): ApplicationFailure {
  return ApplicationFailure.retryable(
    `VF created on ${pf} was taken before it could be claimed; retrying`,
    VmFailureType.VfRace,
  );
}

export function qmpRefused(pciAddress: string, qmpSocket: string, message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `QMP device_add of ${pciAddress} to ${qmpSocket}: ${message}`,
    VmFailureType.QmpRefused,
  );
}
