// Original file: proto/gnoi/os.proto


export interface ActivateRequest {
  'version'?: (string);
  'standbySupervisor'?: (boolean);
  'noReboot'?: (boolean);
}

export interface ActivateRequest__Output {
  'version': (string);
  'standbySupervisor': (boolean);
  'noReboot': (boolean);
}
