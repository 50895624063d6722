// Original file: proto/gnoi/os.proto


/**
 * The package is staged and passed its checks.
 */
export interface Validated {
  'version'?: (string);
  /**
   * Informational only.
   */
  'description'?: (string);
}

/**
 * The package is staged and passed its checks.
 */
export interface Validated__Output {
  'version': (string);
  /**
   * Informational only.
   */
  'description': (string);
}
