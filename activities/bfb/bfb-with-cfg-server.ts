/**
 * The control worker's image server for the redfish install path: serves
 * `<BFB bytes><bf.cfg bytes>` as one HTTP stream, the ImageURI a BlueField
 * BMC fetches with `UpdateService.SimpleUpdate`. NVIDIA DPF does the same
 * from its BFB server (`<registry>/bfb/??<bfb>,<cfg>?/bfb-to-install`:
 * NVIDIA/doca-platform, internal/provisioning/controllers/dpu/state/redfish/installing.go,
 * concatBFBAndBFCFGPath, commit f19b764ebe1f9792d4b2eb0d4cec3356ca421d2e):
 * the BMC pushes the stream into the DPU's rshim boot device, and the BFB's
 * installer reads the bf.cfg that follows the BFB's last image (NVIDIA's
 * bfb-install pushes them the same way, `cat ${bfb} ${cfg} > ${rshim_node}/boot`:
 * Mellanox/rshim-user-space scripts/bfb-install, push_boot_stream_via_local_rshim,
 * commit f0470d98361dbdb4fbe1785f59e47264d3576623).
 *
 * It serves only what `redfishStageImage` (stage-image.ts) put in place: the
 * BFB from the content-addressed cache (`<cacheDir>/<sha256>/<file>`) and the
 * bf.cfg from `<cacheDir>/bf-cfg/`. GET and HEAD; 404 naming what is missing.
 * The bf.cfg may carry a bootstrap token: the path holds 48 bits of the
 * bf.cfg's hash and the server lists nothing, as DPF's BFB server does.
 */
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { cachePaths } from './cache';
import { parseBfbWithCfgPath } from './bfb-with-cfg-path';

/** Where staged bf.cfg files live inside the BFB cache directory. */
export const BF_CFG_DIR = 'bf-cfg';

export interface BfbWithCfgServer {
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function answer(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

async function serve(cacheDir: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return answer(res, 405, `method ${req.method} not allowed: GET or HEAD`);
  }
  const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
  const ref = parseBfbWithCfgPath(urlPath);
  if (!ref) return answer(res, 404, `${urlPath} is not /bfb/<sha256>/<bf.cfg>/<bfb file>`);
  const bfb = cachePaths(cacheDir, ref.sha256, ref.bfbFileName).final;
  const cfg = path.join(cacheDir, BF_CFG_DIR, ref.cfgFileName);
  const [bfbSize, cfgSize] = await Promise.all([sizeOf(bfb), sizeOf(cfg)]);
  if (bfbSize === undefined || cfgSize === undefined) {
    const missing = bfbSize === undefined ? `BFB ${ref.bfbFileName} (${ref.sha256})` : ref.cfgFileName;
    return answer(
      res,
      404,
      `${missing} is not staged on this control worker; retry the DPU from "OS Installing" to stage it again`,
    );
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(bfbSize + cfgSize),
  });
  if (req.method === 'HEAD') return void res.end();
  await pipeline(createReadStream(bfb), res, { end: false });
  await pipeline(createReadStream(cfg), res);
}

/** Listens on `host:port` (port 0: a free one) and serves staged BFB + bf.cfg streams from cacheDir. */
export async function startBfbWithCfgServer(opts: {
  cacheDir: string;
  host: string;
  port: number;
}): Promise<BfbWithCfgServer> {
  const server = http.createServer((req, res) => {
    serve(opts.cacheDir, req, res).catch((err: Error) => {
      // A client gone mid-stream, or a read error: report it and end the response.
      console.error(`bfb+bf.cfg server: ${req.url}: ${err.message}`);
      if (!res.headersSent) answer(res, 500, `reading the staged files failed: ${err.message}`);
      else res.destroy(err);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
