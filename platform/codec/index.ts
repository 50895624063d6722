export { AesGcmCodec, CodecKeyError, ENCRYPTED_ENCODING, KEY_ID_METADATA } from './aes-gcm-codec';
export { codecDataConverter, CODEC_KEYS_ENV } from './data-converter';
export { Keyring, KeyringError, loadKeyring } from './keyring';
export { startCodecServer, type CodecServer, type CodecServerOptions } from './server';
