// Original file: proto/opi/bridge_port.proto


export interface LogicalBridgeSpec {
  'vlanId'?: (number);
  'vni'?: (number);
  '_vni'?: "vni";
}

export interface LogicalBridgeSpec__Output {
  'vlanId': (number);
  'vni'?: (number);
  '_vni'?: "vni";
}
