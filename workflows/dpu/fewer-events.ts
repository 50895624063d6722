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
 */
export const FEWER_EVENTS_PER_DPU = 'provision-dpu-fewer-events';
