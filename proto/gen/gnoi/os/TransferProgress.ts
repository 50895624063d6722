// Original file: proto/gnoi/os.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Sent at intervals during a transfer (the DMS simulator: every 1 MiB).
 */
export interface TransferProgress {
  'bytesReceived'?: (number | string | Long);
}

/**
 * Sent at intervals during a transfer (the DMS simulator: every 1 MiB).
 */
export interface TransferProgress__Output {
  'bytesReceived': (string);
}
