/**
 * The failures sysfs helpers and activities raise. Each has a type a
 * workflow can match on; only KernelRefused (and unexpected I/O errors) are
 * worth retrying.
 */
import { ApplicationFailure } from '@temporalio/common';

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

export function nonRetryable(type: SysfsErrorType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: details ? [details] : undefined,
  });
}

export function retryable(type: SysfsErrorType, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: false,
    details: details ? [details] : undefined,
  });
}

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
