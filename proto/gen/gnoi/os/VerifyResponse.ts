// Original file: proto/gnoi/os.proto


export interface VerifyResponse {
  /**
   * The OS version currently running.
   */
  'version'?: (string);
  /**
   * Set when the last activated version failed to boot (flash) and the
   * target still runs the previous one; cleared when the next activation
   * starts (xpuflow's DMS contract; gNOI clears it on a good boot).
   */
  'activationFailMessage'?: (string);
}

export interface VerifyResponse__Output {
  /**
   * The OS version currently running.
   */
  'version': (string);
  /**
   * Set when the last activated version failed to boot (flash) and the
   * target still runs the previous one; cleared when the next activation
   * starts (xpuflow's DMS contract; gNOI clears it on a good boot).
   */
  'activationFailMessage': (string);
}
