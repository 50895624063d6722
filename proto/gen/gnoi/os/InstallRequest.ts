// Original file: proto/gnoi/os.proto

import type { TransferRequest as _gnoi_os_TransferRequest, TransferRequest__Output as _gnoi_os_TransferRequest__Output } from './TransferRequest';
import type { TransferEnd as _gnoi_os_TransferEnd, TransferEnd__Output as _gnoi_os_TransferEnd__Output } from './TransferEnd';

export interface InstallRequest {
  'transferRequest'?: (_gnoi_os_TransferRequest | null);
  'transferContent'?: (Buffer | Uint8Array | string);
  'transferEnd'?: (_gnoi_os_TransferEnd | null);
  'request'?: "transferRequest"|"transferContent"|"transferEnd";
}

export interface InstallRequest__Output {
  'transferRequest'?: (_gnoi_os_TransferRequest__Output | null);
  'transferContent'?: (Buffer);
  'transferEnd'?: (_gnoi_os_TransferEnd__Output | null);
  'request'?: "transferRequest"|"transferContent"|"transferEnd";
}
