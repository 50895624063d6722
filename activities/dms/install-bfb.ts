/**
 * `dmsInstallBfb`: the BFB from this worker's cache to DMS in one activity.
 * With several control worker replicas, a path learnt by one activity may
 * not exist on the replica that runs the next; making sure of the cached file
 * (a cache hit, or a download) and streaming it in the same attempt keeps both
 * on one machine. Built from the BFB and DMS activities it is given.
 */
import type { FetchBfbRequest, FetchedBfb } from '../bfb';
import type { DmsInstallFileInput } from './install-file';
import type { DmsCallInput } from './session';
import type { InstallStreamResult } from './install-stream';
import { TransferSlots } from './transfer-slots';

export interface DmsInstallBfbInput extends DmsCallInput {
  bfb: FetchBfbRequest;
}

export interface DmsInstallBfbResult extends InstallStreamResult {
  /** The version DMS knows the image by: the BFB's file name. */
  version: string;
  sizeBytes: number;
}

export function createInstallBfbActivity(deps: {
  fetchBfb: (req: FetchBfbRequest) => Promise<FetchedBfb>;
  dmsInstallFile: (input: DmsInstallFileInput) => Promise<InstallStreamResult>;
  /** BFB transfers this worker runs at once (default 16). */
  maxConcurrentTransfers?: number;
}) {
  const slots = new TransferSlots(deps.maxConcurrentTransfers ?? 16);
  return {
    async dmsInstallBfb(input: DmsInstallBfbInput): Promise<DmsInstallBfbResult> {
      const cached = await deps.fetchBfb(input.bfb);
      const sent = await slots.run(`${cached.fileName} to ${input.dpu}`, () =>
        deps.dmsInstallFile({
          dpu: input.dpu,
          address: input.address,
          version: cached.fileName,
          filePath: cached.path,
        }),
      );
      return { ...sent, version: cached.fileName, sizeBytes: cached.sizeBytes };
    },
  };
}
