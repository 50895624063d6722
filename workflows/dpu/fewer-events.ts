/**
 * The patch behind ProvisionDpu's shorter history (issue 16, "fewer round
 * trips per flow"). Read once when a run starts (provision-dpu.ts), so a run
 * takes one path from its first event to its last: runs started before it
 * replay the old path throughout. Under it:
 *
 * - the waits on DMS's reboot status are one `dmsAwaitReboot` activity
 *   retried on a backoff, not a workflow loop of `dmsRebootStatus` activities
 *   and timers (dms-activation.ts, rebooting.ts);
 * - the short DMS reads and the bf.cfg render and install are local
 *   activities (one marker each; proxies.ts);
 * - search-attribute upserts that would come back to back (a phase skipped
 *   without a cluster, then the next) are folded into one (status-book.ts).
 * - patches older than this one are known to hold, so their markers are not
 *   recorded again (hasOlderPatch).
 */
import { patched } from '@temporalio/workflow';

export const FEWER_EVENTS_PER_DPU = 'provision-dpu-fewer-events';

/**
 * Whether the run has a patch older than FEWER_EVENTS_PER_DPU. A run on the
 * shorter-history path was started by code that had every older patch, so
 * the answer is yes without recording that patch's marker and search-attribute
 * upsert again (two events each); other runs ask `patched` as before.
 */
export function hasOlderPatch(ctx: { fewerEvents: boolean }, patchId: string): boolean {
  return ctx.fewerEvents || patched(patchId);
}
