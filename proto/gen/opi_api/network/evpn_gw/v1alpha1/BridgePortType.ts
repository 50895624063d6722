// Original file: proto/opi/bridge_port.proto

export const BridgePortType = {
  BRIDGE_PORT_TYPE_UNSPECIFIED: 'BRIDGE_PORT_TYPE_UNSPECIFIED',
  BRIDGE_PORT_TYPE_ACCESS: 'BRIDGE_PORT_TYPE_ACCESS',
  BRIDGE_PORT_TYPE_TRUNK: 'BRIDGE_PORT_TYPE_TRUNK',
} as const;

export type BridgePortType =
  | 'BRIDGE_PORT_TYPE_UNSPECIFIED'
  | 0
  | 'BRIDGE_PORT_TYPE_ACCESS'
  | 1
  | 'BRIDGE_PORT_TYPE_TRUNK'
  | 2

export type BridgePortType__Output = typeof BridgePortType[keyof typeof BridgePortType]
