/**
 * A real HTTP server (node:http, 127.0.0.1) serving BFB files the way a
 * fleet's BFB mirror would: `GET /<name>` with Content-Length, ETag and
 * single-range `Range` support (for resumes), `GET /<name>.sha256` as
 * sha256sum prints it. Files are registered by name; big ones are generated
 * from a seed and streamed, never held in memory.
 *
 * Faults for tests: answer the next N requests with a status (500), cut the
 * next N bodies after some bytes (a reset mid-download), throttle bytes/s.
 * Unknown names get 404.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { bufferContent, generatedContent, sha256Of } from './content';
import type { ContentSource } from './content';
import { parseRange } from './range';

export interface BfbFileSpec {
  /** The file's name in URLs: letters, digits, '.', '_', '+', '-'. */
  name: string;
  /** Generated content: `sizeBytes` bytes from `seed` (default: the name). */
  sizeBytes?: number;
  seed?: string;
  /** Or the content itself (small files). */
  content?: Buffer | string;
}

export interface BfbServerOptions {
  /** Default 0: any free port. */
  port?: number;
  files?: BfbFileSpec[];
  /** Bytes per second for bodies; default unlimited. */
  throttleBytesPerSecond?: number;
}

export interface BfbRequestRecord {
  method: string;
  /** The path asked for, as sent. */
  path: string;
  /** The registered file it named (also for `<name>.sha256`), if any. */
  name?: string;
  sha256File: boolean;
  range?: string;
  status: number;
  /** Body bytes written (less than asked when the connection was cut). */
  bytesSent: number;
}

export interface BfbServer {
  port: number;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  url(name: string): string;
  /** The file's sha256, hex (computed when the file was registered). Throws for an unknown name. */
  sha256(name: string): string;
  /** Registers a file (replacing one of the same name); resolves once its sha256 is known. */
  addFile(spec: BfbFileSpec): Promise<void>;
  /** How many requests the server has had (any path, any answer). */
  readonly requests: number;
  /** Every request, in order (a live view). */
  readonly requestLog: readonly BfbRequestRecord[];
  /** How many requests named the file `name` itself (not its .sha256); all requests when no name. */
  requestCount(name?: string): number;
  /** Answer the next `count` requests with `status` (default 500), optionally only those for `name`. */
  failNext(count: number, status?: number, name?: string): void;
  /** Reset the connection of the next `count` file bodies after `afterBytes` bytes (bytes in flight may be lost). */
  cutNext(count: number, afterBytes: number): void;
  /** Send `afterBytes` of the next `count` file bodies, then nothing more: a hung transfer (until the client leaves). */
  stallNext(count: number, afterBytes: number): void;
  /** Limit body bytes per second (undefined: unlimited). Applies to bodies started afterwards. */
  throttle(bytesPerSecond: number | undefined): void;
  stop(): Promise<void>;
}

const NAME = /^[A-Za-z0-9._+-]+$/;

interface Entry {
  source: ContentSource;
  sha256: string;
}

function sourceOf(spec: BfbFileSpec): ContentSource {
  if (!NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
    throw new Error(`BFB server: file name ${JSON.stringify(spec.name)} is not a plain file name`);
  }
  if (spec.content !== undefined) return bufferContent(Buffer.from(spec.content));
  return generatedContent(spec.seed ?? spec.name, spec.sizeBytes ?? 0);
}

/** Writes `body` to `res`, honouring backpressure, a rate and a cut; resolves with bytes sent. */
interface BodyFault {
  kind: 'cut' | 'stall';
  afterBytes: number;
}

async function sendBody(
  res: http.ServerResponse,
  body: Readable,
  rate: number | undefined,
  fault: BodyFault | undefined,
): Promise<number> {
  let sent = 0;
  const started = Date.now();
  const closed = once(res, 'close').then(() => 'closed' as const);
  try {
    for await (const chunk of body) {
      let buf = chunk as Buffer;
      while (buf.length > 0) {
        if (res.destroyed) return sent;
        let size = rate ? Math.max(1, Math.min(buf.length, Math.ceil(rate / 50))) : buf.length;
        if (fault) size = Math.min(size, fault.afterBytes - sent);
        const piece = buf.subarray(0, size);
        buf = buf.subarray(size);
        const ok = piece.length === 0 || res.write(piece);
        sent += piece.length;
        if (fault && sent >= fault.afterBytes) {
          if (fault.kind === 'stall') {
            await closed; // hang until the client gives up (or the server stops)
            return sent;
          }
          // Let the bytes leave, then reset the connection mid-body.
          await new Promise<void>((resolve) =>
            res.socket ? res.socket.write('', () => resolve()) : resolve(),
          );
          res.socket?.resetAndDestroy();
          return sent;
        }
        if (
          !ok &&
          (await Promise.race([once(res, 'drain').then(() => 'drained' as const), closed])) === 'closed'
        ) {
          return sent;
        }
        if (rate) {
          const due = started + (sent / rate) * 1000;
          if (due > Date.now()) await delay(due - Date.now());
        }
      }
    }
    res.end();
    return sent;
  } finally {
    body.destroy();
  }
}

export async function startBfbServer(options: BfbServerOptions = {}): Promise<BfbServer> {
  const files = new Map<string, Entry>();
  const requests: BfbRequestRecord[] = [];
  const failures: Array<{ status: number; name?: string }> = [];
  const bodyFaults: BodyFault[] = [];
  let rate = options.throttleBytesPerSecond;

  const addFile = async (spec: BfbFileSpec): Promise<void> => {
    const source = sourceOf(spec);
    files.set(spec.name, { source, sha256: await sha256Of(source) });
  };
  for (const spec of options.files ?? []) await addFile(spec);

  const sha256 = (name: string): string => {
    const entry = files.get(name);
    if (!entry) throw new Error(`BFB server: no file ${name}`);
    return entry.sha256;
  };

  const lookup = (urlPath: string): { name?: string; entry?: Entry; sha256File: boolean } => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath.split('?')[0].replace(/^\//, ''));
    } catch {
      return { sha256File: false };
    }
    if (files.has(decoded)) return { name: decoded, entry: files.get(decoded), sha256File: false };
    const base = decoded.endsWith('.sha256') ? decoded.slice(0, -'.sha256'.length) : undefined;
    if (base !== undefined && files.has(base))
      return { name: base, entry: files.get(base), sha256File: true };
    return { sha256File: false };
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const { name, entry, sha256File } = lookup(req.url ?? '/');
    const record: BfbRequestRecord = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      name,
      sha256File,
      range: req.headers.range,
      status: 0,
      bytesSent: 0,
    };
    requests.push(record);
    const answer = (status: number, text: string) => {
      record.status = status;
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };

    const failure = failures.findIndex((f) => f.name === undefined || f.name === name);
    if (failure >= 0) {
      const [{ status }] = failures.splice(failure, 1);
      return answer(status, `injected fault: ${status}\n`);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'only GET and HEAD\n');
    if (!name || !entry) return answer(404, `no such BFB: ${req.url}\n`);
    if (sha256File) return answer(200, `${entry.sha256}  ${name}\n`);

    const { source } = entry;
    const ifRange = req.headers['if-range'];
    const range =
      ifRange && ifRange !== source.etag
        ? { kind: 'full' as const }
        : parseRange(req.headers.range, source.size);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: source.etag,
    };
    if (range.kind === 'unsatisfiable') {
      record.status = 416;
      res.writeHead(416, { ...headers, 'Content-Range': `bytes */${source.size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, source.size - 1];
    record.status = range.kind === 'partial' ? 206 : 200;
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${source.size}`;
    res.writeHead(record.status, { ...headers, 'Content-Length': Math.max(0, end - start + 1) });
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    record.bytesSent = await sendBody(res, source.stream(start, end), rate, bodyFaults.shift());
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`BFB server error: ${(err as Error).message}\n`);
      } else {
        res.destroy();
      }
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    port,
    baseUrl,
    url: (name) => `${baseUrl}/${encodeURIComponent(name)}`,
    sha256,
    addFile,
    get requests() {
      return requests.length;
    },
    requestLog: requests,
    requestCount: (name) =>
      name === undefined ? requests.length : requests.filter((r) => r.name === name && !r.sha256File).length,
    failNext(count, status = 500, name) {
      for (let i = 0; i < count; i++) failures.push({ status, name });
    },
    cutNext(count, afterBytes) {
      for (let i = 0; i < count; i++) bodyFaults.push({ kind: 'cut', afterBytes });
    },
    stallNext(count, afterBytes) {
      for (let i = 0; i < count; i++) bodyFaults.push({ kind: 'stall', afterBytes });
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
    },
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
