// Original file: proto/gnoi/system.proto

import type { RebootMethod as _gnoi_system_RebootMethod, RebootMethod__Output as _gnoi_system_RebootMethod__Output } from './RebootMethod';
import type { RebootStatus as _gnoi_system_RebootStatus, RebootStatus__Output as _gnoi_system_RebootStatus__Output } from './RebootStatus';
import type { Long } from '@grpc/proto-loader';

export interface RebootStatusResponse {
  /**
   * If reboot is active.
   */
  'active'?: (boolean);
  /**
   * Time left (ns) until the target is back.
   */
  'wait'?: (number | string | Long);
  /**
   * Time (ns since the epoch) the last reboot started.
   */
  'when'?: (number | string | Long);
  /**
   * Reason for the last reboot.
   */
  'reason'?: (string);
  /**
   * Number of reboots started.
   */
  'count'?: (number);
  /**
   * Method of the last reboot.
   */
  'method'?: (_gnoi_system_RebootMethod);
  /**
   * Applicable only when active = false.
   */
  'status'?: (_gnoi_system_RebootStatus | null);
}

export interface RebootStatusResponse__Output {
  /**
   * If reboot is active.
   */
  'active': (boolean);
  /**
   * Time left (ns) until the target is back.
   */
  'wait': (string);
  /**
   * Time (ns since the epoch) the last reboot started.
   */
  'when': (string);
  /**
   * Reason for the last reboot.
   */
  'reason': (string);
  /**
   * Number of reboots started.
   */
  'count': (number);
  /**
   * Method of the last reboot.
   */
  'method': (_gnoi_system_RebootMethod__Output);
  /**
   * Applicable only when active = false.
   */
  'status': (_gnoi_system_RebootStatus__Output | null);
}
