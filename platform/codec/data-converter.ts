/**
 * The data converter every xpuflow process uses: the AES-GCM codec when
 * XPUFLOW_CODEC_KEYS names a keyring, else Temporal's default (clear payloads,
 * for the local dev server). Workers, clients and the CLI all call this, so one
 * variable turns encryption on everywhere.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aes-gcm-codec';
import { loadKeyring } from './keyring';

export const CODEC_KEYS_ENV = 'XPUFLOW_CODEC_KEYS';

export function codecDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const location = env[CODEC_KEYS_ENV];
  if (!location) return undefined;
  return { payloadCodecs: [new AesGcmCodec(loadKeyring(location))] };
}
