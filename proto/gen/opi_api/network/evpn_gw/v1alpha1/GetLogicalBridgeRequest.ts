// Original file: proto/opi/bridge_port.proto


export interface GetLogicalBridgeRequest {
  'name'?: (string);
}

export interface GetLogicalBridgeRequest__Output {
  'name': (string);
}
