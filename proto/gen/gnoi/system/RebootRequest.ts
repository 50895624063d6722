// Original file: proto/gnoi/system.proto

import type { RebootMethod as _gnoi_system_RebootMethod, RebootMethod__Output as _gnoi_system_RebootMethod__Output } from './RebootMethod';
import type { Path as _gnoi_types_Path, Path__Output as _gnoi_types_Path__Output } from '../types/Path';
import type { Long } from '@grpc/proto-loader';

export interface RebootRequest {
  'method'?: (_gnoi_system_RebootMethod);
  /**
   * Delay in nanoseconds before issuing reboot.
   */
  'delay'?: (number | string | Long);
  /**
   * Informational reason for the reboot.
   */
  'message'?: (string);
  /**
   * Optional sub-components to reboot (xpuflow never sets them).
   */
  'subcomponents'?: (_gnoi_types_Path)[];
  /**
   * Force reboot if sanity checks fail.
   */
  'force'?: (boolean);
}

export interface RebootRequest__Output {
  'method': (_gnoi_system_RebootMethod__Output);
  /**
   * Delay in nanoseconds before issuing reboot.
   */
  'delay': (string);
  /**
   * Informational reason for the reboot.
   */
  'message': (string);
  /**
   * Optional sub-components to reboot (xpuflow never sets them).
   */
  'subcomponents': (_gnoi_types_Path__Output)[];
  /**
   * Force reboot if sanity checks fail.
   */
  'force': (boolean);
}
