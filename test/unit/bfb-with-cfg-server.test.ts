/**
 * The redfish path's image (activities/bfb/stage-image.ts and
 * bfb-with-cfg-server.ts): the staging activity puts the BFB in the cache and
 * the DPU's bf.cfg beside it and names a content-addressed ImageURI; the
 * image server answers it with the BFB's bytes followed by the bf.cfg's, one
 * stream, as NVIDIA DPF's BFB server does. The same input names the same URL
 * (a retried SimpleUpdate finds its update by it); a changed bf.cfg names
 * another. Nothing else is served.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { cachePaths } from '../../activities/bfb/cache';
import { startBfbWithCfgServer, type BfbWithCfgServer } from '../../activities/bfb/bfb-with-cfg-server';
import { createStageImageActivity, type StageImageDeps } from '../../activities/bfb/stage-image';
import type { FetchBfbRequest } from '../../activities/bfb/fetch-bfb';
import type { DpuSpec } from '../../model/dpu';
import { parseBfCfgJoin } from '../../sim/dpu';

const BFB = Buffer.from('BFB image bytes \u0000\u0001\u0002 (not a real boot stream)');
const BFB_SHA = createHash('sha256').update(BFB).digest('hex');
const SPEC: DpuSpec = {
  name: 'rf-dpu-0',
  node: 'host-1',
  pciAddress: '0000:03:00.0',
  bfb: { url: 'http://bfb.local/files/bf-bundle-2.9.1.bfb', sha256: BFB_SHA },
  dmsAddress: '10.0.0.5:9339',
  numVfs: 0,
  automaticReboot: true,
};
const JOIN = { cluster: { namespace: 'team-a', name: 'dpu-cluster' }, dpuNode: 'rf-dpu-0.team-a' };
const MATERIAL = {
  apiServerEndpoint: '10.0.0.1:6443',
  token: 'abcdef.0123456789abcdef',
  tokenId: 'abcdef',
  caCertHashes: [`sha256:${'1'.repeat(64)}`],
  nodeName: 'rf-dpu-0.team-a',
};

let dir: string;
let server: BfbWithCfgServer;
const fetched: FetchBfbRequest[] = [];

function deps(extra: Partial<StageImageDeps> = {}): StageImageDeps {
  return {
    cacheDir: dir,
    // The cache as fetchBfb leaves it: <cacheDir>/<sha256>/<file name>.
    fetchBfb: async (req) => {
      fetched.push(req);
      const p = cachePaths(dir, req.sha256, 'bf-bundle-2.9.1.bfb');
      fs.mkdirSync(p.dir, { recursive: true });
      fs.writeFileSync(p.final, BFB);
      return {
        path: p.final,
        sizeBytes: BFB.length,
        sha256: req.sha256,
        fileName: 'bf-bundle-2.9.1.bfb',
        fromCache: false,
      };
    },
    joinMaterial: async () => MATERIAL,
    imageServerUrl: server.url,
    ...extra,
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xpuflow-bfb-cfg-server-'));
  server = await startBfbWithCfgServer({ cacheDir: dir, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the ImageURI serves the BFB followed by the bf.cfg carrying the join; the same input names the same URL', async () => {
  const stage = createStageImageActivity(deps()).redfishStageImage;
  const staged = await stage({ dpu: SPEC.name, spec: SPEC, join: JOIN });
  expect(fetched.at(-1)).toEqual({ url: SPEC.bfb.url, sha256: BFB_SHA });
  expect(staged.tokenId).toBe('abcdef');
  expect(staged.imageUri).toBe(`${server.url}/bfb/${BFB_SHA}/${staged.bfCfg}/bf-bundle-2.9.1.bfb`);
  expect(JSON.stringify(staged)).not.toContain('0123456789abcdef'); // the token's secret stays out of history

  const res = await fetch(staged.imageUri);
  expect(res.status).toBe(200);
  const body = Buffer.from(await res.arrayBuffer());
  expect(body.subarray(0, BFB.length).equals(BFB)).toBe(true);
  const cfg = body.subarray(BFB.length).toString('utf8');
  expect(Number(res.headers.get('content-length'))).toBe(body.length);
  expect(parseBfCfgJoin(cfg)).toMatchObject({ token: MATERIAL.token, nodeName: 'rf-dpu-0.team-a' });
  const head = await fetch(staged.imageUri, { method: 'HEAD' });
  expect(Number(head.headers.get('content-length'))).toBe(body.length);

  expect((await stage({ dpu: SPEC.name, spec: SPEC, join: JOIN })).imageUri).toBe(staged.imageUri);
  const other = await stage({ dpu: SPEC.name, spec: { ...SPEC, bfCfg: { hostname: 'other' } }, join: JOIN });
  expect(other.imageUri).not.toBe(staged.imageUri);
});

test('nothing but staged streams: a bf.cfg never staged, a path of another shape and other methods are refused', async () => {
  const unstaged = `${server.url}/bfb/${BFB_SHA}/bf-rf-dpu-0-${'0'.repeat(12)}.cfg/bf-bundle-2.9.1.bfb`;
  const missing = await fetch(unstaged);
  expect(missing.status).toBe(404);
  expect(await missing.text()).toMatch(/bf-rf-dpu-0-0{12}\.cfg is not staged on this control worker/);
  for (const p of ['/', '/bfb/../../etc/passwd', `/bfb/${BFB_SHA}/bf.cfg/x.bfb`, `/bfb/${BFB_SHA}/x/..`]) {
    expect((await fetch(`${server.url}${p}`)).status).toBe(404);
  }
  expect((await fetch(unstaged, { method: 'POST' })).status).toBe(405);
});

test('without an image server: the BFB URL alone, and a DPU that must join a DPUCluster fails naming XPUFLOW_IMAGE_SERVER', async () => {
  const stage = createStageImageActivity(deps({ imageServerUrl: undefined })).redfishStageImage;
  expect(await stage({ dpu: SPEC.name, spec: SPEC })).toEqual({ imageUri: SPEC.bfb.url });
  const err = await stage({ dpu: SPEC.name, spec: SPEC, join: JOIN }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as Error).message).toMatch(
    /DPU rf-dpu-0 joins DPUCluster dpu-cluster .*set XPUFLOW_IMAGE_SERVER/,
  );
});
