// Original file: proto/opi/bridge_port.proto


export interface DeleteLogicalBridgeRequest {
  'name'?: (string);
  'allowMissing'?: (boolean);
}

export interface DeleteLogicalBridgeRequest__Output {
  'name': (string);
  'allowMissing': (boolean);
}
