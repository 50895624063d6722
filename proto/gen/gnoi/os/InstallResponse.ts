// Original file: proto/gnoi/os.proto

import type { TransferReady as _gnoi_os_TransferReady, TransferReady__Output as _gnoi_os_TransferReady__Output } from './TransferReady';
import type { TransferProgress as _gnoi_os_TransferProgress, TransferProgress__Output as _gnoi_os_TransferProgress__Output } from './TransferProgress';
import type { SyncProgress as _gnoi_os_SyncProgress, SyncProgress__Output as _gnoi_os_SyncProgress__Output } from './SyncProgress';
import type { Validated as _gnoi_os_Validated, Validated__Output as _gnoi_os_Validated__Output } from './Validated';
import type { InstallError as _gnoi_os_InstallError, InstallError__Output as _gnoi_os_InstallError__Output } from './InstallError';

export interface InstallResponse {
  'transferReady'?: (_gnoi_os_TransferReady | null);
  'transferProgress'?: (_gnoi_os_TransferProgress | null);
  'syncProgress'?: (_gnoi_os_SyncProgress | null);
  'validated'?: (_gnoi_os_Validated | null);
  'installError'?: (_gnoi_os_InstallError | null);
  'response'?: "transferReady"|"transferProgress"|"syncProgress"|"validated"|"installError";
}

export interface InstallResponse__Output {
  'transferReady'?: (_gnoi_os_TransferReady__Output | null);
  'transferProgress'?: (_gnoi_os_TransferProgress__Output | null);
  'syncProgress'?: (_gnoi_os_SyncProgress__Output | null);
  'validated'?: (_gnoi_os_Validated__Output | null);
  'installError'?: (_gnoi_os_InstallError__Output | null);
  'response'?: "transferReady"|"transferProgress"|"syncProgress"|"validated"|"installError";
}
