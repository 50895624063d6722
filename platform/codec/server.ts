/**
 * The codec HTTP endpoint the Temporal UI and the `temporal` CLI call to show
 * decoded payloads (`--ui-codec-endpoint`, `--codec-endpoint`):
 *   POST /encode, POST /decode   body and answer: {"payloads": [{"metadata": {k: base64}, "data": base64}]}
 * CORS answers the UI's origin(s); with a bearer token set, every call must
 * carry `Authorization: Bearer <token>`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Origins allowed to call from a browser, e.g. http://127.0.0.1:8233. */
  corsOrigins: string[];
  bearerToken?: string;
  port?: number;
  host?: string;
}

export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MAX_BODY = 16 * 2 ** 20;

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const server = http.createServer((req, res) => {
    void handle(opts, req, res).catch((err: Error) => reply(res, 500, { message: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function handle(opts: CodecServerOptions, req: http.IncomingMessage, res: http.ServerResponse) {
  const origin = req.headers.origin;
  if (origin && opts.corsOrigins.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') return reply(res, 204);
  const route = (req.url ?? '').split('?')[0];
  if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode'))
    return reply(res, 404, { message: 'POST /encode or POST /decode' });
  if (opts.bearerToken && req.headers.authorization !== `Bearer ${opts.bearerToken}`)
    return reply(res, 401, { message: 'missing or wrong bearer token: send Authorization: Bearer <token>' });

  let payloads: Payload[];
  try {
    const body = JSON.parse(await readBody(req)) as { payloads?: JsonPayload[] };
    if (!Array.isArray(body.payloads)) throw new Error('no "payloads" array');
    payloads = body.payloads.map(fromJson);
  } catch (err) {
    return reply(res, 400, {
      message: `body is not {"payloads": [{"metadata": {...}, "data": base64}]}: ${(err as Error).message}`,
    });
  }
  let out: Payload[];
  try {
    out = route === '/encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
  } catch (err) {
    return reply(res, 422, { message: (err as Error).message });
  }
  reply(res, 200, { payloads: out.map(toJson) });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}
