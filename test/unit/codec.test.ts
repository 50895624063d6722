/** The AES-256-GCM payload codec, its keyring (file and Secret-directory layouts) and rotation. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmCodec, KEY_ID_METADATA } from '../../platform/codec/aes-gcm-codec';
import { Keyring, loadKeyring } from '../../platform/codec/keyring';

const k = () => crypto.randomBytes(32);
const secret = { kubeconfig: 'token: s3cr3t-do-not-log' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-codec-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function asText(p: Payload): string {
  return Buffer.concat([
    Buffer.from(p.data ?? []),
    ...Object.values(p.metadata ?? {}).map((v) => Buffer.from(v)),
  ]).toString('latin1');
}

test('encodes to ciphertext naming the key ID, and decodes back', async () => {
  const codec = new AesGcmCodec(Keyring.fromKeys({ a: k() }));
  const [enc] = await codec.encode([defaultPayloadConverter.toPayload(secret)!]);
  expect(asText(enc)).not.toContain('s3cr3t');
  expect(Buffer.from(enc.metadata![KEY_ID_METADATA]).toString()).toBe('a');
  const [dec] = await codec.decode([enc]);
  expect(defaultPayloadConverter.fromPayload(dec)).toEqual(secret);
});

test('rotation: the newest key encodes, old keys still decode', async () => {
  const old = k();
  const [before] = await new AesGcmCodec(Keyring.fromKeys({ '2026-05': old })).encode([
    defaultPayloadConverter.toPayload(secret)!,
  ]);
  const rotated = new AesGcmCodec(Keyring.fromKeys({ '2026-05': old, '2026-11': k() }));
  const [after] = await rotated.encode([defaultPayloadConverter.toPayload(secret)!]);
  expect(Buffer.from(after.metadata![KEY_ID_METADATA]).toString()).toBe('2026-11');
  const decoded = await rotated.decode([before, after]);
  expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([secret, secret]);
});

test('a payload under a key ID the keyring lacks is refused, naming the ID', async () => {
  const [enc] = await new AesGcmCodec(Keyring.fromKeys({ gone: k() })).encode([
    defaultPayloadConverter.toPayload(1)!,
  ]);
  await expect(new AesGcmCodec(Keyring.fromKeys({ other: k() })).decode([enc])).rejects.toThrow(
    /key ID "gone", which the keyring does not hold \(it has other\)/,
  );
});

test('a wrong key under the right ID is refused, naming the ID', async () => {
  const [enc] = await new AesGcmCodec(Keyring.fromKeys({ prod: k() })).encode([
    defaultPayloadConverter.toPayload(1)!,
  ]);
  await expect(new AesGcmCodec(Keyring.fromKeys({ prod: k() })).decode([enc])).rejects.toThrow(
    /key ID "prod" does not decrypt this payload/,
  );
});

test('clear payloads written before the codec was turned on pass through', async () => {
  const clear = defaultPayloadConverter.toPayload({ a: 1 })!;
  const [dec] = await new AesGcmCodec(Keyring.fromKeys({ a: k() })).decode([clear]);
  expect(dec).toBe(clear);
});

test('keys from a JSON file: "current" picks the encoding key', () => {
  const file = path.join(tmp, 'keys.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ current: 'a', keys: { a: k().toString('base64'), b: k().toString('base64') } }),
  );
  const ring = loadKeyring(file);
  expect(ring.ids).toEqual(['a', 'b']);
  expect(ring.currentId).toBe('a');
});

test('keys from a mounted Kubernetes Secret directory: newest ID encodes, dot-entries ignored', () => {
  const dir = path.join(tmp, 'secret');
  fs.mkdirSync(path.join(dir, '..2026_11_23_data'), { recursive: true });
  fs.writeFileSync(path.join(dir, '2026-05'), k().toString('base64') + '\n');
  fs.writeFileSync(path.join(dir, '2026-11'), k()); // raw bytes work too
  const ring = loadKeyring(dir);
  expect(ring.ids).toEqual(['2026-05', '2026-11']);
  expect(ring.currentId).toBe('2026-11');
  fs.writeFileSync(path.join(dir, 'current'), '2026-05\n');
  expect(loadKeyring(dir).currentId).toBe('2026-05');
});

test.each([
  [{ keys: { short: Buffer.alloc(16).toString('base64') } }, /key "short" .* is 16 bytes, not 32/],
  [{ keys: {} }, /holds no key/],
  [
    { current: 'x', keys: { a: Buffer.alloc(32).toString('base64') } },
    /names "x" as the current key, but holds only a/,
  ],
  ['not json', /is not JSON/],
])('a bad key file %j is refused clearly', (doc, message) => {
  const file = path.join(tmp, `bad-${crypto.randomUUID()}.json`);
  fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  expect(() => loadKeyring(file)).toThrow(message);
});

test('a missing key location says which and what to do', () => {
  expect(() => loadKeyring(path.join(tmp, 'nope'))).toThrow(/do not exist: point XPUFLOW_CODEC_KEYS/);
});
