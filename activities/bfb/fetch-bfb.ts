/**
 * fetchBfb: a BFB into the content-addressed cache, verified.
 *
 * - Validation first: the URL must be http(s), the sha256 64 lowercase hex.
 * - A cached file is re-hashed and reused when it matches (no download).
 * - Otherwise one HTTP request streams it into a temp file while hashing;
 *   a matching file is renamed into place atomically, a mismatching one is
 *   deleted and the failure is non-retryable (the URL or the sha is wrong).
 * - Heartbeats carry { bytesDone, bytesTotal } (throttled), plus what a
 *   retry needs to resume: the temp file's name and the server's ETag. A
 *   retry finding them in its heartbeat details asks for the rest with
 *   Range/If-Range; if the server will not resume, it starts over.
 * - One attempt makes one try: 5xx and network failures are retryable
 *   failures, left to the activity's retry policy.
 */
import { asyncLocalStorage } from '@temporalio/activity';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { checkBfbUrl, checkSha256 } from '../../model/validation';
import {
  cachePaths,
  fileNameFromUrl,
  fileSize,
  hashFile,
  isPartialName,
  newPartialName,
  removeDirIfEmpty,
  removeStalePartials,
} from './cache';
import { BfbErrorType, nonRetryable } from './errors';
import { transfer } from './transfer';

export interface FetchBfbRequest {
  url: string;
  sha256: string;
}

export interface FetchedBfb {
  /** The verified file in the cache. */
  path: string;
  sizeBytes: number;
  sha256: string;
  fileName: string;
  /** True when the cache already held it (nothing was downloaded). */
  fromCache: boolean;
}

/** What fetchBfb heartbeats. */
export interface BfbHeartbeat {
  phase: 'verifying-cache' | 'downloading';
  bytesDone: number;
  bytesTotal?: number;
  /** For a retry to resume: the temp file in <cacheDir>/<sha256>/, the sha it is for, the server's ETag. */
  partialName?: string;
  sha256?: string;
  etag?: string;
}

export interface FetchBfbOptions {
  cacheDir: string;
  /** At most one heartbeat per interval (the last one is always sent). Default 1000. */
  heartbeatIntervalMs?: number;
  /** Abort a transfer that gets no data for this long (retryable). Default 60000. */
  stallTimeoutMs?: number;
}

/** The URL for messages: no user:password. */
function shown(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

function validate(req: FetchBfbRequest): URL {
  if (req === null || typeof req !== 'object') {
    throw nonRetryable(BfbErrorType.InvalidBfbUrl, 'fetchBfb needs { url, sha256 }');
  }
  const badUrl = checkBfbUrl(req.url);
  let url: URL | undefined;
  try {
    url = badUrl ? undefined : new URL(req.url);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw nonRetryable(
      BfbErrorType.InvalidBfbUrl,
      badUrl ?? `BFB URL ${JSON.stringify(req.url)} is not a valid URL`,
      {
        url: req.url,
      },
    );
  }
  if (url.username || url.password) {
    throw nonRetryable(
      BfbErrorType.InvalidBfbUrl,
      `BFB URL ${shown(url)} carries credentials (user:password@); they are not supported in the URL`,
    );
  }
  const badSha = checkSha256(req.sha256);
  if (badSha) throw nonRetryable(BfbErrorType.InvalidSha256, badSha, { sha256: req.sha256 });
  return url;
}

function throttled(ctx: Context | undefined, intervalMs: number) {
  let last = 0;
  return (details: BfbHeartbeat, force = false) => {
    if (!ctx) return;
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    ctx.heartbeat(details);
  };
}

/** Where a previous attempt left off, from its heartbeat details, if its temp file is still there. */
async function resumePoint(
  ctx: Context | undefined,
  dir: string,
  sha256: string,
): Promise<{ partialName: string; offset: number; etag?: string; complete: boolean } | undefined> {
  const d = ctx?.info.heartbeatDetails as Partial<BfbHeartbeat> | undefined;
  if (!d || typeof d !== 'object' || d.sha256 !== sha256 || !isPartialName(d.partialName)) return undefined;
  const size = await fileSize(path.join(dir, d.partialName));
  if (!size) return undefined;
  const offset = typeof d.bytesTotal === 'number' ? Math.min(size, d.bytesTotal) : size;
  return {
    partialName: d.partialName,
    offset,
    etag: typeof d.etag === 'string' ? d.etag : undefined,
    complete: typeof d.bytesTotal === 'number' && size >= d.bytesTotal,
  };
}

export async function fetchBfb(options: FetchBfbOptions, req: FetchBfbRequest): Promise<FetchedBfb> {
  const url = validate(req);
  const { sha256 } = req;
  const fileName = fileNameFromUrl(url, sha256);
  const { dir, final } = cachePaths(options.cacheDir, sha256, fileName);
  const ctx = asyncLocalStorage.getStore();
  const beat = throttled(ctx, options.heartbeatIntervalMs ?? 1000);
  const signal = ctx?.cancellationSignal;

  // A cache hit: verified again, since a file on disk can rot or be replaced.
  const cachedSize = await fileSize(final);
  if (cachedSize !== undefined) {
    beat({ phase: 'verifying-cache', bytesDone: 0, bytesTotal: cachedSize }, true);
    const cached = await hashFile(final, (bytesDone) =>
      beat({ phase: 'verifying-cache', bytesDone, bytesTotal: cachedSize }),
    );
    if (cached.sha256 === sha256) {
      beat({ phase: 'verifying-cache', bytesDone: cached.sizeBytes, bytesTotal: cached.sizeBytes }, true);
      return { path: final, sizeBytes: cached.sizeBytes, sha256, fileName, fromCache: true };
    }
    await fs.rm(final, { force: true });
  }

  await fs.mkdir(dir, { recursive: true });
  await removeStalePartials(dir);
  const resume = await resumePoint(ctx, dir, sha256);
  const partialName = resume?.partialName ?? newPartialName(fileName);
  const partialPath = path.join(dir, partialName);
  let offset = resume?.offset ?? 0;
  let etag = resume?.etag;
  let lastProgress: BfbHeartbeat = { phase: 'downloading', bytesDone: offset, partialName, sha256, etag };

  const dropPartial = async () => {
    await fs.rm(partialPath, { force: true });
    await removeDirIfEmpty(dir);
  };

  try {
    // The previous attempt got every byte but died before the rename: verify, no request.
    if (resume?.complete) {
      const kept = await hashFile(partialPath);
      if (kept.sha256 === sha256) {
        await fs.rename(partialPath, final);
        return { path: final, sizeBytes: kept.sizeBytes, sha256, fileName, fromCache: false };
      }
      offset = 0;
      etag = undefined;
    }
    // At most two tries in one attempt: a resume, and a fresh start if the resume cannot be trusted.
    for (;;) {
      const result = await transfer({
        url: url.href,
        shownUrl: shown(url),
        partialPath,
        offset,
        etag,
        signal,
        stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
        onProgress: (p) => {
          etag = p.etag;
          lastProgress = { phase: 'downloading', ...p, partialName, sha256 };
          beat(lastProgress);
        },
      });
      if (result.kind === 'restart') {
        offset = 0;
        etag = undefined;
        continue;
      }
      beat(lastProgress, true);
      if (result.sha256 !== sha256) {
        if (result.resumedFrom > 0) {
          offset = 0; // the kept bytes may be what is wrong: one fresh download decides
          etag = undefined;
          continue;
        }
        await dropPartial();
        throw nonRetryable(
          BfbErrorType.BfbChecksumMismatch,
          `BFB from ${shown(url)} has sha256 ${result.sha256}, expected ${sha256}: ` +
            `the file on the server or the expected sha256 is wrong (the download was deleted)`,
          { url: shown(url), expected: sha256, actual: result.sha256, sizeBytes: result.sizeBytes },
        );
      }
      await fs.rename(partialPath, final);
      return { path: final, sizeBytes: result.sizeBytes, sha256, fileName, fromCache: false };
    }
  } catch (err) {
    const resumable =
      ctx !== undefined &&
      lastProgress.bytesDone > 0 &&
      !(err instanceof ApplicationFailure && err.nonRetryable);
    if (resumable) {
      // Keep the temp file for the next attempt; make sure it learns how far this one got.
      beat(lastProgress, true);
    } else {
      await dropPartial();
    }
    throw err;
  }
}
