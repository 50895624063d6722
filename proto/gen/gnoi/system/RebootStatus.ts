// Original file: proto/gnoi/system.proto


// Original file: proto/gnoi/system.proto

export const _gnoi_system_RebootStatus_Status = {
  STATUS_UNKNOWN: 'STATUS_UNKNOWN',
  STATUS_SUCCESS: 'STATUS_SUCCESS',
  STATUS_RETRIABLE_FAILURE: 'STATUS_RETRIABLE_FAILURE',
  STATUS_FAILURE: 'STATUS_FAILURE',
} as const;

export type _gnoi_system_RebootStatus_Status =
  | 'STATUS_UNKNOWN'
  | 0
  | 'STATUS_SUCCESS'
  | 1
  | 'STATUS_RETRIABLE_FAILURE'
  | 2
  | 'STATUS_FAILURE'
  | 3

export type _gnoi_system_RebootStatus_Status__Output = typeof _gnoi_system_RebootStatus_Status[keyof typeof _gnoi_system_RebootStatus_Status]

export interface RebootStatus {
  'status'?: (_gnoi_system_RebootStatus_Status);
  'message'?: (string);
}

export interface RebootStatus__Output {
  'status': (_gnoi_system_RebootStatus_Status__Output);
  'message': (string);
}
