/** fetchBfb against the BFB server simulator, run in Temporal's mock activity environment. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createBfbActivities, fileNameFromUrl } from '../../activities/bfb';
import type { BfbHeartbeat, FetchedBfb } from '../../activities/bfb';
import { startBfbServer } from '../../sim/bfb-server';
import type { BfbServer } from '../../sim/bfb-server';

const NAME = 'bf-bundle-2.9.1-40_25.02_ubuntu-22.04_prod.bfb';
const SIZE = 4 * 1024 * 1024 + 7;

let server: BfbServer;
let cacheDir: string;
let sha: string;

beforeAll(async () => {
  server = await startBfbServer({ files: [{ name: NAME, sizeBytes: SIZE }] });
  sha = server.sha256(NAME);
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bfb-cache-'));
  server.throttle(undefined);
});

afterEach(() => {
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** Runs fetchBfb as one activity attempt; collects its heartbeats. */
async function attempt(
  req: { url: string; sha256: string },
  opts: {
    heartbeatDetails?: unknown;
    heartbeatIntervalMs?: number;
    stallTimeoutMs?: number;
    cancelAfterMs?: number;
  } = {},
): Promise<{ result?: FetchedBfb; error?: unknown; beats: BfbHeartbeat[] }> {
  const env = new MockActivityEnvironment(
    { heartbeatDetails: opts.heartbeatDetails, activityType: 'fetchBfb' },
    { logger: new DefaultLogger('ERROR') }, // failing attempts are expected here
  );
  const beats: BfbHeartbeat[] = [];
  env.on('heartbeat', (d: BfbHeartbeat) => beats.push(d));
  const acts = createBfbActivities({
    cacheDir,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 0,
    stallTimeoutMs: opts.stallTimeoutMs,
  });
  if (opts.cancelAfterMs !== undefined) setTimeout(() => env.cancel(), opts.cancelAfterMs);
  try {
    const result = (await env.run(acts.fetchBfb, req)) as FetchedBfb;
    return { result, beats };
  } catch (error) {
    return { error, beats };
  }
}

function failure(error: unknown): ApplicationFailure {
  if (!(error instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

/** Every file under the cache, relative. */
function cacheFiles(): string[] {
  return fs.readdirSync(cacheDir, { recursive: true }).map(String).sort();
}

const sha256Of = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

it('downloads, verifies, caches by sha256, and reuses the cache without downloading', async () => {
  const before = server.requestCount(NAME);
  const first = await attempt({ url: server.url(NAME), sha256: sha });
  expect(first.error).toBeUndefined();
  expect(first.result).toEqual({
    path: path.join(cacheDir, sha, NAME),
    sizeBytes: SIZE,
    sha256: sha,
    fileName: NAME,
    fromCache: false,
  });
  expect(sha256Of(path.join(cacheDir, sha, NAME))).toBe(sha);
  expect(cacheFiles()).toEqual([sha, path.join(sha, NAME)]);
  expect(server.requestCount(NAME)).toBe(before + 1);

  const second = await attempt({ url: server.url(NAME), sha256: sha });
  expect(second.result).toMatchObject({
    path: path.join(cacheDir, sha, NAME),
    sizeBytes: SIZE,
    fromCache: true,
  });
  expect(server.requestCount(NAME)).toBe(before + 1);
});

it('heartbeats { bytesDone, bytesTotal } up to the whole size', async () => {
  const { result, beats } = await attempt({ url: server.url(NAME), sha256: sha });
  expect(result).toBeDefined();
  const downloading = beats.filter((b) => b.phase === 'downloading');
  expect(downloading.length).toBeGreaterThan(2);
  expect(downloading[downloading.length - 1]).toMatchObject({
    bytesDone: SIZE,
    bytesTotal: SIZE,
    sha256: sha,
  });
  const done = downloading.map((b) => b.bytesDone);
  expect([...done].sort((a, b) => a - b)).toEqual(done);
});

it('throttles heartbeats', async () => {
  server.throttle(8 * 1024 * 1024);
  const { result, beats } = await attempt(
    { url: server.url(NAME), sha256: sha },
    { heartbeatIntervalMs: 200 },
  );
  expect(result).toBeDefined();
  // ~500 ms of transfer: a handful of beats, not one per chunk.
  expect(beats.length).toBeGreaterThanOrEqual(2);
  expect(beats.length).toBeLessThan(10);
});

it('a checksum mismatch is non-retryable, names both digests and the URL, and leaves nothing in the cache', async () => {
  const wrong = 'ab'.repeat(32);
  const { error } = await attempt({ url: server.url(NAME), sha256: wrong });
  const err = failure(error);
  expect(err.type).toBe('BfbChecksumMismatch');
  expect(err.nonRetryable).toBe(true);
  expect(err.message).toContain(wrong);
  expect(err.message).toContain(sha);
  expect(err.message).toContain(server.url(NAME));
  expect(cacheFiles()).toEqual([]);
});

it('404 is non-retryable: check the URL', async () => {
  const url = server.url('bf-bundle-typo.bfb');
  const err = failure((await attempt({ url, sha256: sha })).error);
  expect(err.type).toBe('BfbUrlRejected');
  expect(err.nonRetryable).toBe(true);
  expect(err.message).toBe(`BFB URL ${url} answered 404: check the URL`);
  expect(cacheFiles()).toEqual([]);
});

it('500 twice: each attempt makes one try and fails retryably; the third attempt succeeds', async () => {
  const before = server.requestCount(NAME);
  server.failNext(2, 500, NAME);
  for (let i = 0; i < 2; i++) {
    const err = failure((await attempt({ url: server.url(NAME), sha256: sha })).error);
    expect(err.type).toBe('BfbServerError');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain('answered 500');
    expect(server.requestCount(NAME)).toBe(before + i + 1);
  }
  const third = await attempt({ url: server.url(NAME), sha256: sha });
  expect(third.result?.sha256).toBe(sha);
  expect(server.requestCount(NAME)).toBe(before + 3);
});

it('connection refused is retryable', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const err = failure((await attempt({ url: `http://127.0.0.1:${port}/x.bfb`, sha256: sha })).error);
  expect(err.type).toBe('BfbDownloadFailed');
  expect(err.nonRetryable).toBe(false);
  expect(err.message).toContain('ECONNREFUSED');
});

it.each([
  ['ftp://x', 'InvalidBfbUrl', 'ftp://x'],
  ['file:///etc/passwd', 'InvalidBfbUrl', 'file:///etc/passwd'],
  ['not a url', 'InvalidBfbUrl', 'not a url'],
])('URL %p is refused non-retryably before any request', async (url, type, named) => {
  const before = server.requests;
  const err = failure((await attempt({ url, sha256: sha })).error);
  expect(err.type).toBe(type);
  expect(err.nonRetryable).toBe(true);
  expect(err.message).toContain(JSON.stringify(named));
  expect(server.requests).toBe(before);
  expect(cacheFiles()).toEqual([]);
});

const SOME_SHA = '0123456789abcdef'.repeat(4);
it.each(['ABC', SOME_SHA.toUpperCase(), `${SOME_SHA}0`, ''])(
  'sha256 %p is refused non-retryably',
  async (bad) => {
    const before = server.requests;
    const err = failure((await attempt({ url: server.url(NAME), sha256: bad })).error);
    expect(err.type).toBe('InvalidSha256');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(JSON.stringify(bad));
    expect(server.requests).toBe(before);
  },
);

it('does not echo credentials in a URL', async () => {
  const err = failure((await attempt({ url: 'http://user:s3cret@127.0.0.1:1/x.bfb', sha256: sha })).error);
  expect(err.type).toBe('InvalidBfbUrl');
  expect(err.message).not.toContain('s3cret');
});

it('a connection reset mid-body is retryable; the next attempt resumes with Range from the heartbeat details', async () => {
  server.cutNext(1, 1_500_000);
  const first = await attempt({ url: server.url(NAME), sha256: sha });
  const err = failure(first.error);
  expect(err.type).toBe('BfbDownloadFailed');
  expect(err.nonRetryable).toBe(false);
  const last = first.beats[first.beats.length - 1];
  // A reset may lose bytes in flight: what arrived is kept, up to what was sent.
  expect(last).toMatchObject({ phase: 'downloading', bytesTotal: SIZE, sha256: sha });
  expect(last.bytesDone).toBeGreaterThan(0);
  expect(last.bytesDone).toBeLessThanOrEqual(1_500_000);
  expect(last.partialName).toMatch(/\.partial$/);
  expect(fs.statSync(path.join(cacheDir, sha, last.partialName ?? '')).size).toBe(last.bytesDone);
  expect(cacheFiles()).toEqual([sha, path.join(sha, last.partialName ?? '')]);

  const second = await attempt({ url: server.url(NAME), sha256: sha }, { heartbeatDetails: last });
  expect(second.result).toMatchObject({ sizeBytes: SIZE, sha256: sha, fromCache: false });
  const req = server.requestLog[server.requestLog.length - 1];
  expect(req).toMatchObject({
    range: `bytes=${last.bytesDone}-`,
    status: 206,
    bytesSent: SIZE - last.bytesDone,
  });
  expect(sha256Of(path.join(cacheDir, sha, NAME))).toBe(sha);
  expect(cacheFiles()).toEqual([sha, path.join(sha, NAME)]);
});

it('starts over when the server will not resume (stale If-Range)', async () => {
  server.cutNext(1, 1_000_000);
  const first = await attempt({ url: server.url(NAME), sha256: sha });
  const last = { ...first.beats[first.beats.length - 1], etag: '"changed"' };
  const second = await attempt({ url: server.url(NAME), sha256: sha }, { heartbeatDetails: last });
  expect(second.result?.sha256).toBe(sha);
  expect(server.requestLog[server.requestLog.length - 1]).toMatchObject({
    range: `bytes=${last.bytesDone}-`,
    status: 200,
  });
});

it('a resumed download that does not verify is fetched again whole in the same attempt', async () => {
  server.cutNext(1, 1_000_000);
  const first = await attempt({ url: server.url(NAME), sha256: sha });
  const last = first.beats[first.beats.length - 1];
  const partial = path.join(cacheDir, sha, last.partialName ?? '');
  const fd = fs.openSync(partial, 'r+');
  fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, 0); // the kept bytes rotted
  fs.closeSync(fd);
  const before = server.requestCount(NAME);
  const second = await attempt({ url: server.url(NAME), sha256: sha }, { heartbeatDetails: last });
  expect(second.result?.sha256).toBe(sha);
  expect(server.requestCount(NAME)).toBe(before + 2);
  expect(sha256Of(path.join(cacheDir, sha, NAME))).toBe(sha);
});

it('a previous attempt that got every byte but died before the rename is finished without a request', async () => {
  const partialName = `.${NAME}.0123456789abcdef.partial`;
  fs.mkdirSync(path.join(cacheDir, sha), { recursive: true });
  const whole = Buffer.from(await (await fetch(server.url(NAME))).arrayBuffer());
  fs.writeFileSync(path.join(cacheDir, sha, partialName), whole);
  const before = server.requests;
  const details: BfbHeartbeat = {
    phase: 'downloading',
    bytesDone: SIZE,
    bytesTotal: SIZE,
    partialName,
    sha256: sha,
  };
  const { result } = await attempt({ url: server.url(NAME), sha256: sha }, { heartbeatDetails: details });
  expect(result).toMatchObject({ sizeBytes: SIZE, fromCache: false });
  expect(server.requests).toBe(before);
  expect(cacheFiles()).toEqual([sha, path.join(sha, NAME)]);
});

it('a cached file that no longer matches is downloaded again', async () => {
  await attempt({ url: server.url(NAME), sha256: sha });
  fs.writeFileSync(path.join(cacheDir, sha, NAME), 'rotten');
  const before = server.requestCount(NAME);
  const again = await attempt({ url: server.url(NAME), sha256: sha });
  expect(again.result).toMatchObject({ fromCache: false, sizeBytes: SIZE });
  expect(server.requestCount(NAME)).toBe(before + 1);
});

it('a stalled transfer fails retryably', async () => {
  server.stallNext(1, 100_000);
  const err = failure((await attempt({ url: server.url(NAME), sha256: sha }, { stallTimeoutMs: 300 })).error);
  expect(err.type).toBe('BfbDownloadFailed');
  expect(err.nonRetryable).toBe(false);
  expect(err.message).toMatch(/stalled/);
});

it('stops when the activity is cancelled', async () => {
  server.throttle(1024 * 1024);
  const { error } = await attempt({ url: server.url(NAME), sha256: sha }, { cancelAfterMs: 200 });
  expect(error).toBeInstanceOf(CancelledFailure);
  expect(fs.existsSync(path.join(cacheDir, sha, NAME))).toBe(false);
});

describe('fileNameFromUrl', () => {
  it.each([
    ['http://h/bfb/bf-bundle-2.9.bfb', 'bf-bundle-2.9.bfb'],
    ['http://h/bfb/bf-bundle-2.9.bfb?token=x#y', 'bf-bundle-2.9.bfb'],
    ['http://h/a%2F..%2Fb.bfb', 'a_.._b.bfb'],
    ['http://h/x%20y.bfb', 'x_y.bfb'],
    ['http://h/', `${'a'.repeat(16)}.bfb`],
    ['http://h/dir/..', `${'a'.repeat(16)}.bfb`],
  ])('%p -> %p', (url, name) => {
    expect(fileNameFromUrl(new URL(url), 'a'.repeat(64))).toBe(name);
  });
});
