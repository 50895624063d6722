// Original file: proto/gnoi/os.proto


// Original file: proto/gnoi/os.proto

export const _gnoi_os_ActivateError_Type = {
  UNSPECIFIED: 'UNSPECIFIED',
  /**
   * No package with that version is staged (also for an empty version).
   */
  NON_EXISTENT_VERSION: 'NON_EXISTENT_VERSION',
  NOT_SUPPORTED_ON_BACKUP: 'NOT_SUPPORTED_ON_BACKUP',
} as const;

export type _gnoi_os_ActivateError_Type =
  | 'UNSPECIFIED'
  | 0
  /**
   * No package with that version is staged (also for an empty version).
   */
  | 'NON_EXISTENT_VERSION'
  | 1
  | 'NOT_SUPPORTED_ON_BACKUP'
  | 2

export type _gnoi_os_ActivateError_Type__Output = typeof _gnoi_os_ActivateError_Type[keyof typeof _gnoi_os_ActivateError_Type]

export interface ActivateError {
  'type'?: (_gnoi_os_ActivateError_Type);
  'detail'?: (string);
}

export interface ActivateError__Output {
  'type': (_gnoi_os_ActivateError_Type__Output);
  'detail': (string);
}
