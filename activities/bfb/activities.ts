/**
 * The control worker's BFB activities: download into the cache, render the
 * bf.cfg that goes to DMS with the BFB.
 */
import type { DpuSpec } from '../../model/dpu';
import { renderBfCfg } from './bf-cfg';
import type { BfCfgFile } from './bf-cfg';
import { fetchBfb } from './fetch-bfb';
import type { FetchBfbOptions, FetchBfbRequest, FetchedBfb } from './fetch-bfb';

export type BfbActivitiesOptions = FetchBfbOptions;

export function createBfbActivities(options: BfbActivitiesOptions) {
  return {
    /** Downloads (or finds in the cache) and verifies a BFB; see fetch-bfb.ts. */
    async fetchBfb(req: FetchBfbRequest): Promise<FetchedBfb> {
      return fetchBfb(options, req);
    },
    /** Renders the DPU's bf.cfg (pure; an activity so workflows keep no template code). */
    async renderBfCfg(spec: DpuSpec): Promise<BfCfgFile> {
      return renderBfCfg(spec);
    },
  };
}

export type BfbActivities = ReturnType<typeof createBfbActivities>;
