/**
 * The control worker's BFB activities: download into the cache, render the
 * bf.cfg that goes to DMS with the BFB.
 *
 * Many DPUs of a fleet share one BFB, so within one worker a download is
 * shared by every activity asking for the same sha256 at the same time, and a
 * file this worker verified is not hashed again while its size, mtime and
 * inode stay the same.
 */
import fs from 'node:fs/promises';
import { asyncLocalStorage } from '@temporalio/activity';
import type { DpuSpec } from '../../model/dpu';
import { renderBfCfg } from './bf-cfg';
import type { BfCfgFile } from './bf-cfg';
import { fetchBfb } from './fetch-bfb';
import type { FetchBfbOptions, FetchBfbRequest, FetchedBfb } from './fetch-bfb';

export type BfbActivitiesOptions = FetchBfbOptions;

interface Verified {
  fetched: FetchedBfb;
  size: number;
  mtimeMs: number;
  ino: number;
}

async function stillVerified(v: Verified): Promise<boolean> {
  try {
    const st = await fs.stat(v.fetched.path);
    return st.size === v.size && st.mtimeMs === v.mtimeMs && st.ino === v.ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // removed: fetch it again
    throw err;
  }
}

/** Awaits another activity's download, heartbeating so this one is not taken for dead. */
async function joinDownload(p: Promise<FetchedBfb>, sha256: string): Promise<FetchedBfb> {
  const ctx = asyncLocalStorage.getStore();
  const timer = setInterval(
    () => ctx?.heartbeat({ phase: 'waiting-for-shared-download', sha256, bytesDone: 0 }),
    1000,
  );
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

export function createBfbActivities(options: BfbActivitiesOptions) {
  const downloads = new Map<string, Promise<FetchedBfb>>();
  const verified = new Map<string, Verified>();

  return {
    /** Downloads (or finds in the cache) and verifies a BFB; see fetch-bfb.ts. */
    async fetchBfb(req: FetchBfbRequest): Promise<FetchedBfb> {
      const known = typeof req?.sha256 === 'string' ? verified.get(req.sha256) : undefined;
      if (known && (await stillVerified(known))) return { ...known.fetched, fromCache: true };

      let result: FetchedBfb;
      const shared = downloads.get(req?.sha256);
      if (shared) {
        // Another activity's attempt failing (or being cancelled) is not this one's failure: try on our own.
        result = await joinDownload(shared, req.sha256).catch(() => fetchBfb(options, req));
      } else {
        const own = fetchBfb(options, req);
        downloads.set(req?.sha256, own);
        try {
          result = await own;
        } finally {
          downloads.delete(req?.sha256);
        }
      }
      const st = await fs.stat(result.path);
      verified.set(result.sha256, { fetched: result, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      return result;
    },
    /** Renders the DPU's bf.cfg (pure; an activity so workflows keep no template code). */
    async renderBfCfg(spec: DpuSpec): Promise<BfCfgFile> {
      return renderBfCfg(spec);
    },
  };
}

export type BfbActivities = ReturnType<typeof createBfbActivities>;
