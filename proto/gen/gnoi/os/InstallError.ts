// Original file: proto/gnoi/os.proto


// Original file: proto/gnoi/os.proto

export const _gnoi_os_InstallError_Type = {
  UNSPECIFIED: 'UNSPECIFIED',
  INCOMPATIBLE: 'INCOMPATIBLE',
  TOO_LARGE: 'TOO_LARGE',
  PARSE_FAIL: 'PARSE_FAIL',
  /**
   * The transferred package failed its integrity check: resending the same
   * bytes will fail again.
   */
  INTEGRITY_FAIL: 'INTEGRITY_FAIL',
  INSTALL_RUN_PACKAGE: 'INSTALL_RUN_PACKAGE',
  /**
   * Another Install to this target is in progress: retry later.
   */
  INSTALL_IN_PROGRESS: 'INSTALL_IN_PROGRESS',
  UNEXPECTED_SWITCHOVER: 'UNEXPECTED_SWITCHOVER',
  SYNC_FAIL: 'SYNC_FAIL',
  NOT_SUPPORTED_ON_BACKUP: 'NOT_SUPPORTED_ON_BACKUP',
} as const;

export type _gnoi_os_InstallError_Type =
  | 'UNSPECIFIED'
  | 0
  | 'INCOMPATIBLE'
  | 1
  | 'TOO_LARGE'
  | 2
  | 'PARSE_FAIL'
  | 3
  /**
   * The transferred package failed its integrity check: resending the same
   * bytes will fail again.
   */
  | 'INTEGRITY_FAIL'
  | 4
  | 'INSTALL_RUN_PACKAGE'
  | 5
  /**
   * Another Install to this target is in progress: retry later.
   */
  | 'INSTALL_IN_PROGRESS'
  | 6
  | 'UNEXPECTED_SWITCHOVER'
  | 7
  | 'SYNC_FAIL'
  | 8
  | 'NOT_SUPPORTED_ON_BACKUP'
  | 9

export type _gnoi_os_InstallError_Type__Output = typeof _gnoi_os_InstallError_Type[keyof typeof _gnoi_os_InstallError_Type]

/**
 * Any install failure; the target ends the stream after sending it (without a
 * gRPC error).
 */
export interface InstallError {
  'type'?: (_gnoi_os_InstallError_Type);
  'detail'?: (string);
}

/**
 * Any install failure; the target ends the stream after sending it (without a
 * gRPC error).
 */
export interface InstallError__Output {
  'type': (_gnoi_os_InstallError_Type__Output);
  'detail': (string);
}
