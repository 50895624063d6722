/**
 * The content-addressed BFB cache: `<cacheDir>/<sha256>/<fileName>`. A
 * download goes to a hidden temp name in the same folder and is renamed
 * into place once its sha256 is verified, so a reader never sees a partial
 * file under the final name.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

const SAFE_NAME = /^[A-Za-z0-9._+-]+$/;
const PARTIAL = /^\.[A-Za-z0-9._+-]+\.[0-9a-f]{16}\.partial$/;
/** Temp files untouched for this long belong to no live download. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

/**
 * The cached file's name: the URL's last path segment, with anything but
 * letters, digits and `._+-` replaced by '_' (never '/', never '..'); the
 * sha256 when the URL names no file.
 */
export function fileNameFromUrl(url: URL, sha256: string): string {
  const segment = url.pathname.split('/').pop() ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment;
  }
  const name = decoded.replace(/[^A-Za-z0-9._+-]/g, '_').slice(-200);
  if (name === '' || /^\.+$/.test(name)) return `${sha256.slice(0, 16)}.bfb`;
  return name;
}

export interface CachePaths {
  dir: string;
  final: string;
}

export function cachePaths(cacheDir: string, sha256: string, fileName: string): CachePaths {
  if (!/^[0-9a-f]{64}$/.test(sha256) || !SAFE_NAME.test(fileName)) {
    throw new Error(`BFB cache: refusing path for ${JSON.stringify(sha256)}/${JSON.stringify(fileName)}`);
  }
  const dir = path.join(cacheDir, sha256);
  return { dir, final: path.join(dir, fileName) };
}

/** A fresh temp name for one download: `.<fileName>.<16 hex>.partial`. */
export function newPartialName(fileName: string): string {
  return `.${fileName}.${randomBytes(8).toString('hex')}.partial`;
}

export function isPartialName(name: unknown): name is string {
  return typeof name === 'string' && PARTIAL.test(name);
}

/** Feeds the first `length` bytes of `file` (all of it by default) to `hash`; returns the bytes read. */
export async function hashInto(
  hash: Hash,
  file: string,
  length?: number,
  onProgress?: (bytesDone: number) => void,
): Promise<number> {
  if (length === 0) return 0;
  let done = 0;
  const stream = createReadStream(file, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    done += (chunk as Buffer).length;
    onProgress?.(done);
  }
  return done;
}

/** sha256 (hex) and size of a file, reporting progress as it reads. */
export async function hashFile(
  file: string,
  onProgress?: (bytesDone: number) => void,
): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  const sizeBytes = await hashInto(hash, file, undefined, onProgress);
  return { sha256: hash.digest('hex'), sizeBytes };
}

export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Deletes temp files in `dir` nobody has written to for an hour (left by a crashed worker). */
export async function removeStalePartials(dir: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no cache folder yet
    throw err;
  }
  for (const name of names.filter(isPartialName)) {
    const file = path.join(dir, name);
    try {
      if (now - (await fs.stat(file)).mtimeMs > STALE_PARTIAL_MS) await fs.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // else: gone already
    }
  }
}

/** Removes the sha256 folder when nothing is left in it. */
export async function removeDirIfEmpty(dir: string): Promise<void> {
  try {
    await fs.rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw err; // else: not empty, or gone
  }
}
