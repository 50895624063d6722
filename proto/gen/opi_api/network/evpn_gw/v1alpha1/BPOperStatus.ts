// Original file: proto/opi/bridge_port.proto

export const BPOperStatus = {
  BP_OPER_STATUS_UNSPECIFIED: 'BP_OPER_STATUS_UNSPECIFIED',
  BP_OPER_STATUS_UP: 'BP_OPER_STATUS_UP',
  BP_OPER_STATUS_DOWN: 'BP_OPER_STATUS_DOWN',
  BP_OPER_STATUS_TO_BE_DELETED: 'BP_OPER_STATUS_TO_BE_DELETED',
} as const;

export type BPOperStatus =
  | 'BP_OPER_STATUS_UNSPECIFIED'
  | 0
  | 'BP_OPER_STATUS_UP'
  | 1
  | 'BP_OPER_STATUS_DOWN'
  | 2
  | 'BP_OPER_STATUS_TO_BE_DELETED'
  | 3

export type BPOperStatus__Output = typeof BPOperStatus[keyof typeof BPOperStatus]
