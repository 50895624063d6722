// Original file: proto/gnoi/os.proto

import type { ActivateOK as _gnoi_os_ActivateOK, ActivateOK__Output as _gnoi_os_ActivateOK__Output } from './ActivateOK';
import type { ActivateError as _gnoi_os_ActivateError, ActivateError__Output as _gnoi_os_ActivateError__Output } from './ActivateError';

export interface ActivateResponse {
  'activateOk'?: (_gnoi_os_ActivateOK | null);
  'activateError'?: (_gnoi_os_ActivateError | null);
  'response'?: "activateOk"|"activateError";
}

export interface ActivateResponse__Output {
  'activateOk'?: (_gnoi_os_ActivateOK__Output | null);
  'activateError'?: (_gnoi_os_ActivateError__Output | null);
  'response'?: "activateOk"|"activateError";
}
