// Original file: proto/opi/bridge_port.proto


export interface DeleteBridgePortRequest {
  'name'?: (string);
  'allowMissing'?: (boolean);
}

export interface DeleteBridgePortRequest__Output {
  'name': (string);
  'allowMissing': (boolean);
}
