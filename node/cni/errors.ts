/** CNI spec error codes (CNI 1.x, "Error" section) and the error result. */
export const CniCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnv: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
} as const;
export type CniCode = (typeof CniCode)[keyof typeof CniCode];

export class CniError extends Error {
  override name = 'CniError';
  constructor(
    readonly code: number,
    message: string,
    readonly details = '',
  ) {
    super(message);
  }

  toJson(cniVersion: string): string {
    return JSON.stringify({
      cniVersion,
      code: this.code,
      msg: this.message,
      details: this.details || undefined,
    });
  }
}

export const SUPPORTED_VERSIONS = ['0.4.0', '1.0.0', '1.1.0'];
export const DEFAULT_CNI_VERSION = '1.0.0';
