/** Pending: the BFB is downloaded into the control worker's cache and its sha256 checked. */
import { bfb } from '../proxies';
import type { FlowContext, PhaseOutcome } from '../context';

export async function pending(ctx: FlowContext): Promise<PhaseOutcome> {
  const { url, sha256 } = ctx.spec.bfb;
  ctx.book.progress({ step: `downloading ${url}` });
  const fetched = await bfb.fetchBfb.executeWithOptions(
    { summary: `download BFB ${url}`, heartbeatTimeout: '30 seconds', startToCloseTimeout: '1 hour' },
    [{ url, sha256 }],
  );
  ctx.learnt.bfb = { fileName: fetched.fileName, sizeBytes: fetched.sizeBytes };
  const mib = (fetched.sizeBytes / 2 ** 20).toFixed(1);
  return { done: `BFB ${fetched.fileName} (${mib} MiB) downloaded, sha256 ${sha256.slice(0, 12)}… verified` };
}
