/**
 * BFB chunks encoded by hand (activities/dms/transfer-content.ts): the bytes
 * are protobufjs's, the DMS client hands them to grpc-js without a copy, and a
 * file streamed to the DMS simulator arrives whole, its chunks read into one
 * buffer the stream reuses.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { createDmsActivities, DmsClients } from '../../activities/dms';
import { installStream } from '../../activities/dms/install-stream';
import {
  EncodedTransferContent,
  fileTransferContent,
  installRequestSerializer,
  readBuffer,
  transferContentHeaderLength,
} from '../../activities/dms/transfer-content';
import { osServiceDefinition } from '../../proto/load';
import { startDmsSimulator } from '../../sim/dms';

const KiB = 1024;
const install = osServiceDefinition().Install;
const protobufjs = (content: Buffer): Buffer => install.requestSerialize({ transferContent: content });

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-transfer-content-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('EncodedTransferContent', () => {
  // The varint's length changes at 128, 16,384 and 2,097,152 bytes; 256 KiB is the default chunk, 3 MiB the largest.
  const sizes = [
    1,
    127,
    128,
    300,
    16_383,
    16_384,
    256 * KiB - 1,
    256 * KiB,
    2_097_151,
    2_097_152,
    3 * 1024 * KiB,
  ];

  it.each(sizes)('encodes %i bytes of content as protobufjs does', (size) => {
    const content = randomBytes(size);
    const encoded = EncodedTransferContent.of(content);
    expect(encoded.encoded.equals(protobufjs(content))).toBe(true);
    expect(encoded.encoded.length).toBe(transferContentHeaderLength(size) + size);
    // What the DMS side decodes is the content.
    const decoded = install.requestDeserialize(encoded.encoded);
    expect(decoded.request).toBe('transferContent');
    expect(Buffer.from(decoded.transferContent!).equals(content)).toBe(true);
  });

  it('reads a file into its messages: each one protobufjs bytes of its slice, the last one short', async () => {
    const chunk = 64 * KiB;
    const data = randomBytes(2 * chunk + 129);
    const file = path.join(tmp, 'image.bfb');
    fs.writeFileSync(file, data);
    const slices: Buffer[] = [];
    for await (const m of fileTransferContent(file, chunk)) {
      expect(m.encoded.equals(protobufjs(m.transferContent))).toBe(true);
      slices.push(Buffer.from(m.transferContent));
    }
    expect(slices.map((s) => s.length)).toEqual([chunk, chunk, 129]);
    expect(Buffer.concat(slices).equals(data)).toBe(true);
  });

  it('gives nothing for an empty file, and closes the file when the reader stops early', async () => {
    const empty = path.join(tmp, 'empty.bfb');
    fs.writeFileSync(empty, '');
    const none: EncodedTransferContent[] = [];
    for await (const m of fileTransferContent(empty, KiB)) none.push(m);
    expect(none).toEqual([]);

    const file = path.join(tmp, 'three.bfb');
    fs.writeFileSync(file, randomBytes(3 * KiB));
    const before = fs.readdirSync('/proc/self/fd').length;
    for await (const m of fileTransferContent(file, KiB)) {
      expect(m.transferContent.length).toBe(KiB);
      break;
    }
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });
});

describe('the DMS client’s Install serializer', () => {
  it('hands an encoded chunk to grpc-js as it is (no copy), and serializes any other request with protobufjs', () => {
    const clients = new DmsClients();
    try {
      const client = clients.os('127.0.0.1:1');
      const { service } = client.constructor as unknown as {
        service: Record<string, { requestSerialize: (value: object) => Buffer }>;
      };
      const serialize = service.Install.requestSerialize;
      const chunk = EncodedTransferContent.of(randomBytes(KiB));
      expect(serialize(chunk)).toBe(chunk.encoded);
      const request = { transferRequest: { version: 'bf-1' } };
      expect(serialize(request).equals(install.requestSerialize(request))).toBe(true);
    } finally {
      clients.close();
    }
  });

  it('is protobufjs for anything but an encoded chunk', () => {
    const seen: unknown[] = [];
    const s = installRequestSerializer((v) => {
      seen.push(v);
      return Buffer.from('x');
    });
    const chunk = EncodedTransferContent.of(Buffer.from('abc'));
    expect(s(chunk)).toBe(chunk.encoded);
    expect(s({ transferEnd: {} }).toString()).toBe('x');
    expect(seen).toEqual([{ transferEnd: {} }]);
  });

  it('a file streamed to the DMS simulator is staged whole (its sha256)', async () => {
    const sim = await startDmsSimulator({ flashMs: 1000, rebootMs: 1000, initialVersion: 'bf-old' });
    const clients = new DmsClients();
    try {
      const data = randomBytes(1024 * KiB + 77);
      const filePath = path.join(tmp, 'bf-new.bfb');
      fs.writeFileSync(filePath, data);
      const dms = createDmsActivities({ clients, callTimeoutMs: 5000, chunkBytes: 100 * KiB });
      const result = await dms.dmsInstallFile({
        dpu: 'dpu-0',
        address: sim.address,
        version: 'bf-new',
        filePath,
      });
      expect(result).toEqual({ result: 'validated', bytesSent: data.length });
      const staged = (await sim.state()).stagedImages.find((i) => i.version === 'bf-new');
      expect(staged?.bytes).toBe(data.length);
      expect(staged?.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      clients.close();
      await sim.stop();
    }
  });

  it('copies each chunk before the stream asks for the next, so one buffer serves a whole transfer', async () => {
    // A file in memory whose reads fill the buffer at once: the next chunk
    // overwrites the last one's bytes as soon as the stream asks for it. A
    // stream that asked before grpc-js had copied the last chunk would send
    // the next chunk's bytes twice, and DMS would stage another sha256.
    const data = randomBytes(1024 * KiB + 77);
    const inMemory = {
      read: async (buffer: Buffer, offset: number, length: number, position: number) => {
        const bytesRead = data.copy(buffer, offset, position, Math.min(position + length, data.length));
        return { bytesRead, buffer };
      },
    } as unknown as FileHandle;
    const chunk = 16 * KiB;
    const into = readBuffer(chunk);
    let reused = 0;
    async function* oneBuffer(): AsyncGenerator<EncodedTransferContent> {
      for (let position = 0; ;) {
        const m = await EncodedTransferContent.read(inMemory, position, chunk, into);
        if (!m) return;
        if (m.transferContent.buffer === into.buffer) reused += 1;
        position += m.transferContent.length;
        yield m;
      }
    }
    const sim = await startDmsSimulator({ flashMs: 1000, rebootMs: 1000, initialVersion: 'bf-old' });
    const clients = new DmsClients();
    try {
      const result = await installStream(
        {
          dpu: 'dpu-0',
          address: sim.address,
          client: clients.os(sim.address),
          version: 'bf-reused',
          idleTimeoutMs: 5000,
          validateTimeoutMs: 5000,
        },
        oneBuffer,
        () => undefined,
      );
      expect(result).toEqual({ result: 'validated', bytesSent: data.length });
      expect(reused).toBe(Math.ceil(data.length / chunk));
      const staged = (await sim.state()).stagedImages.find((i) => i.version === 'bf-reused');
      expect(staged?.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      clients.close();
      await sim.stop();
    }
  });

  it('refuses a read buffer too small for a chunk and its header, naming both sizes', async () => {
    const file = path.join(tmp, 'small.bfb');
    fs.writeFileSync(file, randomBytes(KiB));
    const handle = await fs.promises.open(file, 'r');
    try {
      await expect(EncodedTransferContent.read(handle, 0, KiB, Buffer.alloc(KiB))).rejects.toThrow(
        'a buffer of 1024 bytes cannot hold a 1024-byte chunk and its header; make it with readBuffer(1024)',
      );
    } finally {
      await handle.close();
    }
  });
});
