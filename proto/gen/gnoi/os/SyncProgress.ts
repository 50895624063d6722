// Original file: proto/gnoi/os.proto


/**
 * Dual-supervisor sync progress; a DPU's DMS never sends it.
 */
export interface SyncProgress {
  'percentageTransferred'?: (number);
}

/**
 * Dual-supervisor sync progress; a DPU's DMS never sends it.
 */
export interface SyncProgress__Output {
  'percentageTransferred': (number);
}
