/**
 * A BFB chunk as the InstallRequest message that carries it, encoded once:
 * the file is read straight into the message's bytes, behind its header, and
 * the Install stream's serializer hands those bytes to grpc-js as they are.
 * With protobufjs each 256 KiB chunk was allocated three times (the file
 * read, the encoded message, grpc-js's framed copy). A file's chunks are now
 * read into one buffer, reused from chunk to chunk, so only grpc-js's framed
 * copy is allocated per chunk: the Install stream asks for the next chunk
 * only once grpc-js has copied the last one (install-stream.ts,
 * InstallSession.send). `node dist/bench/bfb-transfer.js --rounds 2` (16
 * transfers of 64 MiB at once), three runs each way: the sender's peak RSS
 * 178–184 → 121–123 MiB (59–60 before the transfers), its CPU 1.74–2.48 →
 * 1.49–1.78 ms per MiB.
 *
 * InstallRequest (proto/gnoi/os.proto) is `oneof request { … bytes
 * transfer_content = 2; … }`: a chunk is field 2, wire type 2
 * (length-delimited), i.e. the tag byte 0x12, the length as a varint, then
 * the bytes — the protobuf wire format
 * (https://protobuf.dev/programming-guides/encoding/), and what protobufjs
 * writes for it (test/unit/transfer-content.test.ts compares the bytes).
 */
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { InstallRequest } from '../../proto/load';

/** Field 2 (transfer_content), wire type 2 (length-delimited). */
const TRANSFER_CONTENT_TAG = (2 << 3) | 2;

/** Bytes of `n` as a protobuf varint. */
function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len += 1;
  }
  return len;
}

/** Bytes of the header (tag + length) before `contentBytes` bytes of content. */
export function transferContentHeaderLength(contentBytes: number): number {
  return 1 + varintLength(contentBytes);
}

/** Writes the header for `contentBytes` bytes into `buf` at `at`; returns its length. */
function writeHeader(buf: Buffer, at: number, contentBytes: number): number {
  let i = at;
  buf[i++] = TRANSFER_CONTENT_TAG;
  let n = contentBytes;
  while (n >= 0x80) {
    buf[i++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[i++] = n;
  return i - at;
}

/**
 * One InstallRequest{transfer_content} already encoded. It is also an
 * InstallRequest (`transferContent`), so a serializer that does not know the
 * class (protobufjs) still encodes it to the same bytes.
 */
export class EncodedTransferContent implements InstallRequest {
  /** @param encoded the whole message: header, then `transferContent`. */
  private constructor(
    readonly encoded: Buffer,
    readonly transferContent: Buffer,
  ) {}

  /** The message carrying a copy of `content` (for content already in memory). */
  static of(content: Buffer): EncodedTransferContent {
    const header = transferContentHeaderLength(content.length);
    const buf = Buffer.allocUnsafe(header + content.length);
    writeHeader(buf, 0, content.length);
    content.copy(buf, header);
    return new EncodedTransferContent(buf, buf.subarray(header));
  }

  /**
   * The message carrying up to `maxBytes` bytes of `file` from `position`,
   * read straight into `into` (at least room for the header and `maxBytes`;
   * readBuffer) or a buffer of its own; undefined at the end of the file.
   */
  static async read(
    file: FileHandle,
    position: number,
    maxBytes: number,
    into: Buffer = readBuffer(maxBytes),
  ): Promise<EncodedTransferContent | undefined> {
    const room = transferContentHeaderLength(maxBytes);
    if (into.length < room + maxBytes) {
      throw new RangeError(
        `a buffer of ${into.length} bytes cannot hold a ${maxBytes}-byte chunk and its header; make it with readBuffer(${maxBytes})`,
      );
    }
    let got = 0;
    while (got < maxBytes) {
      const { bytesRead } = await file.read(into, room + got, maxBytes - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got === 0) return undefined;
    // The header goes right before the content: a short last chunk has a shorter length varint.
    const start = room - transferContentHeaderLength(got);
    writeHeader(into, start, got);
    return new EncodedTransferContent(into.subarray(start, room + got), into.subarray(room, room + got));
  }
}

/** A buffer EncodedTransferContent.read can read chunks of up to `maxBytes` into. */
export function readBuffer(maxBytes: number): Buffer {
  return Buffer.allocUnsafe(transferContentHeaderLength(maxBytes) + maxBytes);
}

/**
 * The Install method's request serializer: an EncodedTransferContent as its
 * bytes, any other InstallRequest by `serialize` (protobufjs, from the
 * proto-loader definition).
 */
export function installRequestSerializer(
  serialize: (value: InstallRequest) => Buffer,
): (value: InstallRequest) => Buffer {
  return (value) => (value instanceof EncodedTransferContent ? value.encoded : serialize(value));
}

/**
 * The chunks of the file at `filePath` as encoded messages of up to
 * `chunkBytes` bytes, read one at a time as the stream asks for them (a BFB
 * is 1 to 2 GiB: never more than one chunk is read ahead), all into one
 * buffer: a message's bytes are valid until the next one is asked for. The
 * file is closed when the stream stops asking, whether at its end or not.
 */
export async function* fileTransferContent(
  filePath: string,
  chunkBytes: number,
): AsyncGenerator<EncodedTransferContent> {
  const file = await fs.promises.open(filePath, 'r');
  const into = readBuffer(chunkBytes);
  try {
    let position = 0;
    for (;;) {
      const chunk = await EncodedTransferContent.read(file, position, chunkBytes, into);
      if (!chunk) return;
      position += chunk.transferContent.length;
      yield chunk;
    }
  } finally {
    await file.close();
  }
}
