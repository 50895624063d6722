// Original file: proto/gnoi/system.proto

export const RebootMethod = {
  /**
   * Invalid default method.
   */
  UNKNOWN: 'UNKNOWN',
  /**
   * Shutdown and restart OS and all hardware.
   */
  COLD: 'COLD',
  /**
   * Halt and power down, if possible.
   */
  POWERDOWN: 'POWERDOWN',
  /**
   * Halt, if possible.
   */
  HALT: 'HALT',
  /**
   * Reload configuration but not underlying hardware.
   */
  WARM: 'WARM',
  /**
   * Non-stop-forwarding reboot, if possible.
   */
  NSF: 'NSF',
  /**
   * Apply power, no-op if power is already on.
   */
  POWERUP: 'POWERUP',
} as const;

export type RebootMethod =
  /**
   * Invalid default method.
   */
  | 'UNKNOWN'
  | 0
  /**
   * Shutdown and restart OS and all hardware.
   */
  | 'COLD'
  | 1
  /**
   * Halt and power down, if possible.
   */
  | 'POWERDOWN'
  | 2
  /**
   * Halt, if possible.
   */
  | 'HALT'
  | 3
  /**
   * Reload configuration but not underlying hardware.
   */
  | 'WARM'
  | 4
  /**
   * Non-stop-forwarding reboot, if possible.
   */
  | 'NSF'
  | 5
  /**
   * Apply power, no-op if power is already on.
   */
  | 'POWERUP'
  | 7

export type RebootMethod__Output = typeof RebootMethod[keyof typeof RebootMethod]
