// Original file: proto/opi/bridge_port.proto


export interface GetBridgePortRequest {
  'name'?: (string);
}

export interface GetBridgePortRequest__Output {
  'name': (string);
}
