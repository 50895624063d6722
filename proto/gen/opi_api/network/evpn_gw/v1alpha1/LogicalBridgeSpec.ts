// Original file: proto/opi/bridge_port.proto


export interface LogicalBridgeSpec {
  'vni'?: (number);
  'vlanId'?: (number);
}

export interface LogicalBridgeSpec__Output {
  'vni': (number);
  'vlanId': (number);
}
