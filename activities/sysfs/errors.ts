/**
 * The failures sysfs helpers and activities raise. Each has a type a
 * workflow can match on; only KernelRefused (and unexpected I/O errors) are
 * worth retrying.
 */
import { ApplicationFailure } from '@temporalio/common';
import { failureConstructors } from '../failure-catalogue';

export const SysfsErrorType = {
  InvalidPciAddress: 'InvalidPciAddress',
  InvalidNumVfs: 'InvalidNumVfs',
  InvalidDriverName: 'InvalidDriverName',
  PciDeviceNotFound: 'PciDeviceNotFound',
  SriovNotSupported: 'SriovNotSupported',
  NumVfsOverTotal: 'NumVfsOverTotal',
  SysfsPermissionDenied: 'SysfsPermissionDenied',
  KernelRefused: 'KernelRefused',
} as const;
export type SysfsErrorType = (typeof SysfsErrorType)[keyof typeof SysfsErrorType];

export const { nonRetryable, retryable } = failureConstructors<SysfsErrorType>();

/** The same failure with `suffix` added to its message (e.g. which node). */
export function withContext(err: unknown, suffix: string): unknown {
  if (!(err instanceof ApplicationFailure)) return err;
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: `${err.message} ${suffix}`,
    nonRetryable: err.nonRetryable ?? undefined,
    details: err.details ?? undefined,
    cause: err.cause,
  });
}

export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
}
