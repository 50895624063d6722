// Original file: proto/gnoi/os.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferRequest {
  /**
   * Vendor-defined version string naming the package, e.g. "bf-bundle-2.9.1"
   * or "host-1-dpu-0.bf.cfg". xpuflow always sets it.
   */
  'version'?: (string);
  /**
   * Dual-supervisor targets only; a DPU's DMS rejects true with
   * NOT_SUPPORTED_ON_BACKUP.
   */
  'standbySupervisor'?: (boolean);
  /**
   * Optional size of the package in bytes (0 = not given).
   */
  'packageSize'?: (number | string | Long);
}

export interface TransferRequest__Output {
  /**
   * Vendor-defined version string naming the package, e.g. "bf-bundle-2.9.1"
   * or "host-1-dpu-0.bf.cfg". xpuflow always sets it.
   */
  'version': (string);
  /**
   * Dual-supervisor targets only; a DPU's DMS rejects true with
   * NOT_SUPPORTED_ON_BACKUP.
   */
  'standbySupervisor': (boolean);
  /**
   * Optional size of the package in bytes (0 = not given).
   */
  'packageSize': (string);
}
