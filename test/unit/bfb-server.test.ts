/** The BFB server simulator: content, ranges, sha256 files and faults, over real HTTP. */
import { createHash } from 'node:crypto';
import { generatedContent, parseRange, sha256Of, startBfbServer } from '../../sim/bfb-server';
import type { BfbServer } from '../../sim/bfb-server';

const BIG = 'bf-bundle-2.9.1-test.bfb';
const SIZE = 3 * 1024 * 1024 + 123;

let server: BfbServer;

beforeAll(async () => {
  server = await startBfbServer({
    files: [
      { name: BIG, sizeBytes: SIZE },
      { name: 'tiny.bfb', content: 'hello bfb\n' },
    ],
  });
});

afterAll(async () => {
  await server.stop();
});

async function body(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

describe('generated content', () => {
  it('is deterministic and the same bytes whatever range is read', async () => {
    const src = generatedContent('seed', 300_000);
    const all = Buffer.concat(await src.stream(0, 299_999).toArray());
    expect(all).toHaveLength(300_000);
    for (const [start, end] of [
      [0, 15],
      [5, 37],
      [65_530, 65_550],
      [131_071, 131_073],
      [299_990, 400_000],
    ]) {
      const part = Buffer.concat(await src.stream(start, end).toArray());
      expect(part.equals(all.subarray(start, Math.min(end, 299_999) + 1))).toBe(true);
    }
    const again = Buffer.concat(await generatedContent('seed', 300_000).stream(0, 299_999).toArray());
    expect(again.equals(all)).toBe(true);
    expect(await sha256Of(src)).toBe(createHash('sha256').update(all).digest('hex'));
    const other = Buffer.concat(await generatedContent('other', 16).stream(0, 15).toArray());
    expect(other.equals(all.subarray(0, 16))).toBe(false);
  });

  it('streams a 1 GiB file without holding it in memory', async () => {
    const src = generatedContent('big', 1024 ** 3);
    const before = process.memoryUsage().rss;
    let n = 0;
    for await (const chunk of src.stream(0, 1024 ** 3 - 1)) {
      n += (chunk as Buffer).length;
      if (n >= 256 * 1024 ** 2) break;
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 ** 2);
    const tail = Buffer.concat(await src.stream(1024 ** 3 - 10, 1024 ** 3 + 10).toArray());
    expect(tail).toHaveLength(10);
  });
});

describe('range parsing', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=95-200', { kind: 'partial', start: 95, end: 99 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=9-3', { kind: 'full' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
  ])('%p of 100 bytes -> %p', (header, answer) => {
    expect(parseRange(header, 100)).toEqual(answer);
  });
});

describe('HTTP', () => {
  it('serves a file with Content-Length, and its sha256 like sha256sum', async () => {
    const res = await fetch(server.url(BIG));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(SIZE));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const data = await body(res);
    expect(data).toHaveLength(SIZE);
    const digest = createHash('sha256').update(data).digest('hex');
    expect(server.sha256(BIG)).toBe(digest);
    const sum = await fetch(`${server.url(BIG)}.sha256`);
    expect(sum.status).toBe(200);
    expect(await sum.text()).toBe(`${digest}  ${BIG}\n`);
    expect(server.sha256('tiny.bfb')).toBe(createHash('sha256').update('hello bfb\n').digest('hex'));
  });

  it('answers ranges with 206 and Content-Range, 416 past the end, and the whole file when If-Range is stale', async () => {
    const full = await body(await fetch(server.url(BIG)));
    const part = await fetch(server.url(BIG), { headers: { Range: `bytes=${SIZE - 1000}-` } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes ${SIZE - 1000}-${SIZE - 1}/${SIZE}`);
    expect((await body(part)).equals(full.subarray(SIZE - 1000))).toBe(true);

    const etag = part.headers.get('etag') ?? '';
    const fresh = await fetch(server.url(BIG), { headers: { Range: 'bytes=10-19', 'If-Range': etag } });
    expect(fresh.status).toBe(206);
    await body(fresh);
    const stale = await fetch(server.url(BIG), { headers: { Range: 'bytes=10-19', 'If-Range': '"nope"' } });
    expect(stale.status).toBe(200);
    expect(await body(stale)).toHaveLength(SIZE);

    const past = await fetch(server.url(BIG), { headers: { Range: `bytes=${SIZE}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${SIZE}`);
  });

  it('answers 404 for unknown names and path tricks', async () => {
    for (const p of ['/nope.bfb', '/../etc/passwd', '/%2e%2e%2fetc', '/nope.bfb.sha256']) {
      const res = await fetch(`${server.baseUrl}${p}`);
      expect(res.status).toBe(404);
      await res.text();
    }
  });

  it('fails the next N requests with 500, then serves; counts requests', async () => {
    const before = server.requests;
    const beforeTiny = server.requestCount('tiny.bfb');
    server.failNext(2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(server.url('tiny.bfb'));
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([500, 500, 200]);
    expect(server.requests).toBe(before + 3);
    expect(server.requestCount('tiny.bfb')).toBe(beforeTiny + 3);
    expect(server.requestLog.slice(-3).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('cuts a body after N bytes (a reset mid-download)', async () => {
    server.cutNext(1, 100_000);
    const res = await fetch(server.url(BIG));
    expect(res.status).toBe(200);
    await expect(body(res)).rejects.toThrow();
    expect(server.requestLog[server.requestLog.length - 1].bytesSent).toBe(100_000);
    // The next one is whole.
    expect(await body(await fetch(server.url(BIG)))).toHaveLength(SIZE);
  });

  it('throttles bytes per second', async () => {
    server.throttle(512 * 1024);
    try {
      const started = Date.now();
      const res = await fetch(server.url(BIG), { headers: { Range: 'bytes=0-262143' } });
      expect(await body(res)).toHaveLength(262_144);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      server.throttle(undefined);
    }
  });

  it('registers files later and refuses names that are not plain', async () => {
    await server.addFile({ name: 'later.bfb', sizeBytes: 10, seed: 's' });
    expect((await body(await fetch(server.url('later.bfb')))).length).toBe(10);
    await expect(server.addFile({ name: '../x', sizeBytes: 1 })).rejects.toThrow(/not a plain file name/);
    expect(() => server.sha256('missing.bfb')).toThrow(/no file/);
  });
});
