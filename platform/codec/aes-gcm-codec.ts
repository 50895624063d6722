/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM. The
 * encrypted payload's metadata names the key ID, so a keyring with old keys
 * still decodes history written before a rotation; the key ID is also bound
 * to the ciphertext as additional authenticated data.
 */
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Keyring } from './keyring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
const CIPHER = 'AES-256-GCM';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encryptOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decryptOne(p));
  }

  private encryptOne(payload: Payload): Payload {
    const keyId = this.keyring.currentId;
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keyring.currentKey, iv);
    cipher.setAAD(Buffer.from(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: Buffer.from(keyId),
        [CIPHER_METADATA]: Buffer.from(CIPHER),
      },
      data,
    };
  }

  private decryptOne(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding && Buffer.from(payload.metadata.encoding).toString();
    if (encoding !== ENCRYPTED_ENCODING) return payload; // written before the codec was turned on
    const keyIdRaw = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdRaw)
      throw new CodecKeyError(
        `an encrypted payload carries no ${KEY_ID_METADATA} metadata: it was not written by xpuflow's codec`,
      );
    const keyId = Buffer.from(keyIdRaw).toString();
    const key = this.keyring.key(keyId);
    if (!key)
      throw new CodecKeyError(
        `payload encrypted with key ID ${JSON.stringify(keyId)}, which the keyring does not hold ` +
          `(it has ${this.keyring.ids.join(', ')}): add that key to XPUFLOW_CODEC_KEYS`,
      );
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new CodecKeyError(
        `payload encrypted with key ID ${JSON.stringify(keyId)} is truncated (${data.length} bytes)`,
      );
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new CodecKeyError(
        `key ID ${JSON.stringify(keyId)} does not decrypt this payload: the key stored under that ID ` +
          'is not the one that encrypted it (or the payload was altered); restore the original key for that ID',
      );
    }
    return temporal.api.common.v1.Payload.decode(plain) as Payload;
  }
}
