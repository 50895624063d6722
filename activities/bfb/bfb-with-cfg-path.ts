/**
 * The URL path under which the control worker's image server
 * (bfb-with-cfg-server.ts) serves a BFB followed by a bf.cfg, as one stream:
 * `/bfb/<sha256 of the BFB>/<bf.cfg file name>/<BFB file name>`. Both parts
 * are content-addressed (the BFB by its sha256, the bf.cfg by the hash in its
 * name, bf-cfg.ts), so a URL always names the same bytes and a retried
 * install asks the BMC for the same ImageURI. The BFB's file name comes last:
 * the BMC and xpuflow take the version from it (model/install-path.ts
 * bfbVersionOf).
 */
const SHA256 = /^[0-9a-f]{64}$/;
const CFG_NAME = /^bf-[a-z0-9]([-.a-z0-9]*[a-z0-9])?-[0-9a-f]{12}\.cfg$/;
const FILE_NAME = /^[A-Za-z0-9._+-]+$/;

export interface BfbWithCfgRef {
  sha256: string;
  cfgFileName: string;
  bfbFileName: string;
}

export function bfbWithCfgPath(ref: BfbWithCfgRef): string {
  return `/bfb/${ref.sha256}/${ref.cfgFileName}/${encodeURIComponent(ref.bfbFileName)}`;
}

/** The parts of a request path, or undefined when it is not one bfbWithCfgPath makes. */
export function parseBfbWithCfgPath(urlPath: string): BfbWithCfgRef | undefined {
  const m = /^\/bfb\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(urlPath);
  if (!m) return undefined;
  let bfbFileName: string;
  try {
    bfbFileName = decodeURIComponent(m[3]);
  } catch {
    return undefined;
  }
  const [sha256, cfgFileName] = [m[1], m[2]];
  if (!SHA256.test(sha256) || !CFG_NAME.test(cfgFileName) || !FILE_NAME.test(bfbFileName)) return undefined;
  if (/^\.+$/.test(bfbFileName)) return undefined;
  return { sha256, cfgFileName, bfbFileName };
}
