/** Failures of the BFB activities; only network and server trouble is worth a retry. */
import { failureConstructors } from '../failure-catalogue';

export const BfbErrorType = {
  InvalidBfbUrl: 'InvalidBfbUrl',
  InvalidSha256: 'InvalidSha256',
  /** The server answered 4xx (404, 403, 410, ...): the URL is wrong. */
  BfbUrlRejected: 'BfbUrlRejected',
  /** 5xx, 408, 429: the server may recover. */
  BfbServerError: 'BfbServerError',
  /** Connection refused or reset, a body cut short, a stalled transfer. */
  BfbDownloadFailed: 'BfbDownloadFailed',
  BfbChecksumMismatch: 'BfbChecksumMismatch',
  InvalidBfCfg: 'InvalidBfCfg',
  /** The BFB's embedded software inventory does not parse (bfb-versions.ts). */
  InvalidBfbInventory: 'InvalidBfbInventory',
} as const;
export type BfbErrorType = (typeof BfbErrorType)[keyof typeof BfbErrorType];

export const { nonRetryable, retryable } = failureConstructors<BfbErrorType>();
