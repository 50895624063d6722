/** The codec HTTP endpoint the Temporal UI calls: /encode, /decode, CORS, bearer token, clear errors. */
import crypto from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec } from '../../platform/codec/aes-gcm-codec';
import { Keyring } from '../../platform/codec/keyring';
import { startCodecServer, type CodecServer } from '../../platform/codec/server';

const UI = 'http://127.0.0.1:8233';
let server: CodecServer;
beforeAll(async () => {
  server = await startCodecServer({
    codec: new AesGcmCodec(Keyring.fromKeys({ k1: crypto.randomBytes(32) })),
    corsOrigins: [UI],
    bearerToken: 'tok',
  });
});
afterAll(() => server.close());

const auth = { Authorization: 'Bearer tok', 'Content-Type': 'application/json', Origin: UI };
const clear = defaultPayloadConverter.toPayload({ token: 'hunter2' })!;
const asJson = {
  metadata: { encoding: Buffer.from(clear.metadata!.encoding).toString('base64') },
  data: Buffer.from(clear.data!).toString('base64'),
};

test('encode then decode round-trips, with CORS for the UI origin', async () => {
  const enc = await fetch(`${server.url}/encode`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ payloads: [asJson] }),
  });
  expect(enc.status).toBe(200);
  expect(enc.headers.get('access-control-allow-origin')).toBe(UI);
  const encoded = (await enc.json()) as { payloads: unknown[] };
  expect(JSON.stringify(encoded)).not.toContain(asJson.data);
  const dec = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(encoded),
  });
  expect(await dec.json()).toEqual({ payloads: [asJson] });
});

test('preflight from the UI is answered without a token; other origins get no CORS header', async () => {
  const pre = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: UI } });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-headers')).toContain('X-Namespace');
  const other = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://evil.example' },
  });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
});

test('without the bearer token: 401', async () => {
  const r = await fetch(`${server.url}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [] }) });
  expect(r.status).toBe(401);
});

test('a payload under an unknown key ID: 422 naming the key ID', async () => {
  const [foreign] = await new AesGcmCodec(Keyring.fromKeys({ k9: crypto.randomBytes(32) })).encode([clear]);
  const body = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(foreign.metadata!).map(([a, v]) => [a, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(foreign.data!).toString('base64'),
      },
    ],
  };
  const r = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify(body),
  });
  expect(r.status).toBe(422);
  expect(((await r.json()) as { message: string }).message).toContain('key ID "k9"');
});

test('a body that is not {payloads: [...]}: 400 saying the expected shape', async () => {
  const r = await fetch(`${server.url}/decode`, { method: 'POST', headers: auth, body: '{"nope":1}' });
  expect(r.status).toBe(400);
  expect(((await r.json()) as { message: string }).message).toContain('"payloads"');
});
