// Original file: proto/hostagent/hostagent.proto


export interface CniReply {
  /**
   * The CNI result JSON (ADD), or empty (DEL, CHECK) when error_code is 0.
   */
  'resultJson'?: (string);
  /**
   * CNI spec error code (1-7, 11) or a plugin code (100+); 0 on success.
   */
  'errorCode'?: (number);
  'errorMsg'?: (string);
  'errorDetails'?: (string);
}

export interface CniReply__Output {
  /**
   * The CNI result JSON (ADD), or empty (DEL, CHECK) when error_code is 0.
   */
  'resultJson': (string);
  /**
   * CNI spec error code (1-7, 11) or a plugin code (100+); 0 on success.
   */
  'errorCode': (number);
  'errorMsg': (string);
  'errorDetails': (string);
}
