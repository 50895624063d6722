/**
 * One HTTP transfer of a BFB into a temp file, hashing while it streams,
 * optionally resuming a partial file with `Range` (+ `If-Range`). It makes
 * exactly one request: retrying is the activity's retry policy's job.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { hashInto } from './cache';
import { BfbErrorType, nonRetryable, retryable } from './errors';

export interface TransferOptions {
  url: string;
  /** Shown in messages instead of `url` (credentials removed). */
  shownUrl: string;
  partialPath: string;
  /** Bytes of partialPath to keep and resume after; 0 for a fresh download. */
  offset: number;
  /** The validator the partial bytes came with (sent as If-Range). */
  etag?: string;
  signal?: AbortSignal;
  stallTimeoutMs: number;
  onProgress(progress: { bytesDone: number; bytesTotal?: number; etag?: string }): void;
}

export type TransferResult =
  | { kind: 'done'; sha256: string; sizeBytes: number; resumedFrom: number }
  /** The server cannot resume from the partial file: start again from 0. */
  | { kind: 'restart'; reason: string };

/** HTTP statuses a retry may cure; any other 4xx means the URL is wrong. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function networkFailure(err: unknown, opts: TransferOptions, stalled: boolean, bytesDone: number): unknown {
  if (opts.signal?.aborted) return opts.signal.reason ?? err; // cancelled: let the SDK report it
  if (stalled) {
    return retryable(
      BfbErrorType.BfbDownloadFailed,
      `BFB download from ${opts.shownUrl} stalled: no data for ${opts.stallTimeoutMs} ms after ${bytesDone} bytes`,
      { url: opts.shownUrl, bytesDone },
    );
  }
  const code = causeCode(err) ?? (err as Error).message;
  return retryable(
    BfbErrorType.BfbDownloadFailed,
    `BFB download from ${opts.shownUrl} failed after ${bytesDone} bytes: ${code}`,
    { url: opts.shownUrl, bytesDone, code },
    err instanceof Error ? err : undefined,
  );
}

function statusFailure(status: number, opts: TransferOptions): Error {
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
    return nonRetryable(
      BfbErrorType.BfbUrlRejected,
      `BFB URL ${opts.shownUrl} answered ${status}: check the URL`,
      {
        url: opts.shownUrl,
        status,
      },
    );
  }
  return retryable(
    BfbErrorType.BfbServerError,
    `BFB server at ${opts.shownUrl} answered ${status}; will retry`,
    {
      url: opts.shownUrl,
      status,
    },
  );
}

/** `bytes <start>-<end>/<total>` */
function parseContentRange(header: string | null): { start: number; total?: number } | undefined {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

export async function transfer(opts: TransferOptions): Promise<TransferResult> {
  const stall = new AbortController();
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      stall.abort(new Error('stalled'));
    }, opts.stallTimeoutMs);
  };
  const signal = opts.signal ? AbortSignal.any([stall.signal, opts.signal]) : stall.signal;
  const headers: Record<string, string> = {};
  if (opts.offset > 0) {
    headers.Range = `bytes=${opts.offset}-`;
    if (opts.etag) headers['If-Range'] = opts.etag;
  }

  try {
    arm();
    let res: Response;
    try {
      res = await fetch(opts.url, { headers, signal, redirect: 'follow' });
    } catch (err) {
      throw networkFailure(err, opts, stalled, 0);
    }
    const etag = res.headers.get('etag') ?? undefined;
    const length = res.headers.get('content-length');
    let offset = 0;
    let bytesTotal: number | undefined;

    if (res.status === 416 && opts.offset > 0) {
      await res.body?.cancel();
      return { kind: 'restart', reason: `the server cannot resume at byte ${opts.offset} (416)` };
    }
    if (res.status === 206 && opts.offset > 0) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (!range || range.start !== opts.offset) {
        await res.body?.cancel();
        return { kind: 'restart', reason: `the server answered range ${res.headers.get('content-range')}` };
      }
      offset = opts.offset;
      bytesTotal = range.total;
    } else if (res.status === 200) {
      bytesTotal = length !== null ? Number(length) : undefined;
    } else {
      await res.body?.cancel();
      throw statusFailure(res.status, opts);
    }

    // Only now that the server resumes do the kept bytes need hashing.
    const hash = createHash('sha256');
    if (offset > 0) await hashInto(hash, opts.partialPath, offset);
    const file = await fs.open(opts.partialPath, offset > 0 ? 'r+' : 'w');
    let bytesDone = offset;
    try {
      if (offset > 0) await file.truncate(offset);
      opts.onProgress({ bytesDone, bytesTotal, etag });
      if (res.body) {
        const body = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
        try {
          for await (const chunk of body) {
            arm();
            const buf = chunk as Buffer;
            await file.write(buf, 0, buf.length, bytesDone);
            hash.update(buf);
            bytesDone += buf.length;
            opts.onProgress({ bytesDone, bytesTotal, etag });
          }
        } catch (err) {
          throw networkFailure(err, opts, stalled, bytesDone);
        }
      }
      await file.sync();
    } finally {
      await file.close();
    }
    if (bytesTotal !== undefined && bytesDone !== bytesTotal) {
      throw retryable(
        BfbErrorType.BfbDownloadFailed,
        `BFB download from ${opts.shownUrl} ended at ${bytesDone} of ${bytesTotal} bytes; will resume`,
        { url: opts.shownUrl, bytesDone, bytesTotal },
      );
    }
    return { kind: 'done', sha256: hash.digest('hex'), sizeBytes: bytesDone, resumedFrom: offset };
  } finally {
    clearTimeout(timer);
  }
}
