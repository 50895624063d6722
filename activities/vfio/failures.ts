/** The failures the VM claim activities throw, each saying what to do. */
import { ApplicationFailure } from '@temporalio/common';

export const VmFailureType = {
  /** Every VF of the PF is claimed, or a new one would mean destroying VFs in use. Non-retryable. */
  NoFreeVf: 'NoFreeVf',
  /** A VF this claim created was claimed by another first. Retryable. */
  VfRace: 'VfRace',
  /** QEMU refused device_add. Non-retryable. */
  QmpRefused: 'QmpRefused',
  /** A claim names a PF this host does not have. Non-retryable. */
  PfNotOnHost: 'PfNotOnHost',
  /** A claim names a VM with no QMP socket on this host. Non-retryable. */
  NoQmpSocket: 'NoQmpSocket',
  /** A claim names a pool this host does not have, or whose PFs are not here. Non-retryable. */
  PoolNotOnHost: 'PoolNotOnHost',
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

export function pfNotOnHost(pf: string, node: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `PF ${pf} is not an SR-IOV PF of node ${node} (${why}): fix spec.pfAddress (lspci -D on the node lists its functions)`,
    VmFailureType.PfNotOnHost,
  );
}

export function noQmpSocket(vm: string, node: string, socket: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `VM ${vm} has no QMP socket on node ${node} (${socket}: ${why}): fix spec.vmName or spec.nodeName, or start the VM with -qmp unix:${socket},server`,
    VmFailureType.NoQmpSocket,
  );
}

export function poolNotOnHost(pool: string, node: string, pools: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `pool ${pool} is not a VF pool of node ${node} (its pools: ${pools.join(', ') || 'none'}): fix spec.pool, or the host admin adds it to the host worker's VF config (--vf-config pools)`,
    VmFailureType.PoolNotOnHost,
  );
}

export function poolHasNoPf(pool: string, node: string, pfNames: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `pool ${pool} of node ${node} has none of its PFs (${pfNames.join(', ')}) on the node: fix the pool's selector.pfNames in the host worker's VF config`,
    VmFailureType.PoolNotOnHost,
  );
}
