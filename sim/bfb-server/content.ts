/**
 * Deterministic file content generated from a seed, readable from any
 * offset without holding the file in memory: the bytes are the AES-256-CTR
 * keystream for key sha256(seed), so byte i depends only on (seed, i). A
 * 1 GiB "BFB" costs nothing until it is read, and a range is as cheap to
 * make as its length.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

export interface ContentSource {
  size: number;
  /** Bytes [start, end] (inclusive), streamed. */
  stream(start: number, end: number): Readable;
  /** A cheap validator for If-Range/ETag (not the content's sha256). */
  etag: string;
}

/** Content made from `seed`, `size` bytes long. */
export function generatedContent(seed: string, size: number): ContentSource {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new Error(`size ${size} must be a whole number of bytes`);
  const key = createHash('sha256').update(`xpuflow-bfb:${seed}`).digest();
  return {
    size,
    etag: `"g-${createHash('sha256').update(`${seed}:${size}`).digest('hex').slice(0, 16)}"`,
    stream(start, end) {
      let pos = start;
      const last = Math.min(end, size - 1);
      // The keystream block holding `start`, and how far into it `start` is.
      const iv = Buffer.alloc(16);
      let block = Math.floor(start / 16);
      for (let i = 15; i >= 0 && block > 0; i--) {
        iv[i] = block % 256;
        block = Math.floor(block / 256);
      }
      const cipher = createCipheriv('aes-256-ctr', key, iv);
      let skip = start % 16;
      return new Readable({
        read() {
          if (pos > last) {
            this.push(null);
            return;
          }
          const want = Math.min(CHUNK - skip, last - pos + 1);
          let out = cipher.update(ZEROS.subarray(0, want + skip));
          if (skip) out = out.subarray(skip);
          skip = 0;
          pos += out.length;
          this.push(out);
        },
      });
    },
  };
}

/** Content held in memory (small files: a bf.cfg, a truncated BFB). */
export function bufferContent(content: Buffer): ContentSource {
  return {
    size: content.length,
    etag: `"b-${createHash('sha256').update(content).digest('hex').slice(0, 16)}"`,
    stream(start, end) {
      return Readable.from([content.subarray(start, Math.min(end, content.length - 1) + 1)]);
    },
  };
}

/** The sha256 of a whole source, hex, by streaming it. */
export async function sha256Of(source: ContentSource): Promise<string> {
  const hash = createHash('sha256');
  if (source.size > 0) {
    for await (const chunk of source.stream(0, source.size - 1)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
