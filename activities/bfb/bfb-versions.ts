/**
 * `bfbVersions`: the versions a BFB installs, read the way NVIDIA DPF's BFB
 * controller reads them (model/bfb-versions.ts cites it): from the Redfish
 * software inventory NVIDIA embeds in the BFB. The BFB comes from the
 * control worker's content-addressed cache (fetchBfb, verified by sha256);
 * the file is read once, up to the inventory's end, heartbeating as it goes.
 * A BFB without an inventory answers `{}` (the workflow says what it falls
 * back to); one whose inventory is broken fails naming the BFB.
 */
import { createReadStream } from 'node:fs';
import { Context } from '@temporalio/activity';
import { BfbInventoryScanner, type BfbVersions } from '../../model/bfb-versions';
import { BfbErrorType, nonRetryable } from './errors';
import type { FetchBfbRequest, FetchedBfb } from './fetch-bfb';

export interface BfbVersionsResult {
  /** Absent: the BFB carries no software inventory. */
  versions?: BfbVersions;
  fileName: string;
}

/** Reads `file` until the scanner has the inventory or the file ends; `onBytes` sees the progress. */
export async function scanBfbVersions(
  file: string,
  onBytes: (read: number) => void = () => undefined,
): Promise<BfbVersions | undefined> {
  const scan = new BfbInventoryScanner();
  const stream = createReadStream(file, { highWaterMark: 4 << 20 });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      scan.push(chunk);
      read += chunk.length;
      onBytes(read);
      if (scan.complete) break;
    }
  } finally {
    stream.destroy();
  }
  return scan.end();
}

export function createBfbVersionsActivity(deps: { fetchBfb: (req: FetchBfbRequest) => Promise<FetchedBfb> }) {
  return {
    async bfbVersions(input: { url: string; sha256: string }): Promise<BfbVersionsResult> {
      const bfb = await deps.fetchBfb({ url: input.url, sha256: input.sha256 });
      let ctx: Context | undefined;
      try {
        ctx = Context.current();
      } catch {
        ctx = undefined; // called outside an activity (a unit test): no heartbeats
      }
      let versions: BfbVersions | undefined;
      try {
        versions = await scanBfbVersions(bfb.path, (read) =>
          ctx?.heartbeat({ phase: 'reading-versions', bytesRead: read, sizeBytes: bfb.sizeBytes }),
        );
      } catch (err) {
        throw nonRetryable(
          BfbErrorType.InvalidBfbInventory,
          `BFB ${bfb.fileName} (${input.url}) embeds a software inventory xpuflow cannot read: ${(err as Error).message}; ` +
            `use a BFB whose inventory is intact (NVIDIA publishes them with one), then retry from "OS Installing"`,
        );
      }
      return { fileName: bfb.fileName, ...(versions ? { versions } : {}) };
    },
  };
}
