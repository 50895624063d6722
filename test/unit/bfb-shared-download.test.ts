/** A fleet shares one BFB: concurrent fetches of one sha256 in one worker download it once. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBfbActivities, type FetchedBfb } from '../../activities/bfb';
import { startBfbServer, type BfbServer } from '../../sim/bfb-server';

function fetchIn(acts: ReturnType<typeof createBfbActivities>, req: { url: string; sha256: string }) {
  return new MockActivityEnvironment().run(acts.fetchBfb, req) as Promise<FetchedBfb>;
}

let server: BfbServer;
let cacheDir: string;

beforeAll(async () => {
  server = await startBfbServer({ files: [{ name: 'shared.bfb', sizeBytes: 3 * 2 ** 20 }] });
  server.throttle(8 * 2 ** 20); // slow enough that the fetches overlap
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bfb-shared-'));
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

test('eight concurrent fetches of one BFB make one download; later fetches make none', async () => {
  const acts = createBfbActivities({ cacheDir });
  const req = { url: server.url('shared.bfb'), sha256: server.sha256('shared.bfb') };
  const results = await Promise.all(Array.from({ length: 8 }, () => fetchIn(acts, req)));
  expect(new Set(results.map((r) => r.path)).size).toBe(1);
  expect(results.every((r) => r.sha256 === req.sha256)).toBe(true);
  expect(server.requestCount('shared.bfb')).toBe(1);

  const again = await fetchIn(acts, req);
  expect(again.fromCache).toBe(true);
  expect(server.requestCount('shared.bfb')).toBe(1);
});

test('a file changed on disk after it was verified is hashed again and replaced', async () => {
  const acts = createBfbActivities({ cacheDir });
  const req = { url: server.url('shared.bfb'), sha256: server.sha256('shared.bfb') };
  const first = await fetchIn(acts, req);
  fs.writeFileSync(first.path, 'rotten');
  const second = await fetchIn(acts, req);
  expect(fs.statSync(second.path).size).toBe(3 * 2 ** 20);
});
