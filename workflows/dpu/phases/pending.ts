/** Pending: the BFB is downloaded into the control worker's cache and its sha256 checked. */
import { Phase } from '../../../model/phases';
import { bfbCalls, heartbeatTimeoutOf } from '../proxies';
import type { ProvisionPhase } from '../context';

export const pending: ProvisionPhase = {
  phase: Phase.Pending,
  async run(ctx) {
    const { url, sha256 } = ctx.spec.bfb;
    ctx.book.progress({ step: `downloading ${url}` });
    const fetched = await bfbCalls.fetchBfb.executeWithOptions(
      { summary: `download BFB ${url}`, ...heartbeatTimeoutOf(ctx.timing), startToCloseTimeout: '1 hour' },
      [{ url, sha256 }],
    );
    ctx.learnt.bfb = { fileName: fetched.fileName, sizeBytes: fetched.sizeBytes };
    const mib = (fetched.sizeBytes / 2 ** 20).toFixed(1);
    return {
      done: `BFB ${fetched.fileName} (${mib} MiB) downloaded, sha256 ${sha256.slice(0, 12)}… verified`,
    };
  },
};
