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
 * The patch after FEWER_EVENTS_PER_DPU: a DPU object's status is written by a
 * local activity (`kubeReportDpu` through kubeLocalCalls, status-writer.ts),
 * run by the control worker in the workflow task that goes on to schedule the
 * phase's work. One marker instead of six events (scheduled, started,
 * completed and a workflow task) per write, and the status still changes
 * before the work it names starts. Implies FEWER_EVENTS_PER_DPU (a run with it
 * records no marker of that one either: `pathOf`).
 */
export const STATUS_WITH_WORK = 'provision-dpu-status-with-work';

/** The paths a run takes (both false: the oldest path). */
export interface RunPath {
  fewerEvents: boolean;
  statusWithWork: boolean;
}

/**
 * The paths a run takes, read once when it starts. A new run records only the
 * newest patch's marker (two events); a run started before it replays as it
 * ran: with FEWER_EVENTS_PER_DPU alone, or with neither.
 */
export function pathOf(): RunPath {
  if (patched(STATUS_WITH_WORK)) return { fewerEvents: true, statusWithWork: true };
  return { fewerEvents: patched(FEWER_EVENTS_PER_DPU), statusWithWork: false };
}

/**
 * Whether the run has a patch older than FEWER_EVENTS_PER_DPU. A run on the
 * shorter-history path was started by code that had every older patch, so
 * the answer is yes without recording that patch's marker and search-attribute
 * upsert again (two events each); other runs ask `patched` as before.
 */
export function hasOlderPatch(ctx: { fewerEvents: boolean }, patchId: string): boolean {
  return ctx.fewerEvents || patched(patchId);
}

/** The path of a run that writes its status with its work: both patches above hold. */
export const WITH_WORK_PATH: RunPath = { fewerEvents: true, statusWithWork: true };

/**
 * UpdateDpu's STATUS_WITH_WORK: its UpdateStarted write is a local activity
 * too, and the provisioning it goes on to runs on WITH_WORK_PATH without
 * recording STATUS_WITH_WORK's marker again. Update runs started before it
 * (test/histories/update-dpu-ready.json) write UpdateStarted as an activity
 * and ask `pathOf` afterwards, as they ran.
 */
export const UPDATE_STATUS_WITH_WORK = 'update-dpu-status-with-work';

/**
 * DeleteDpu's STATUS_WITH_WORK: its status writes, the control worker's undo
 * steps (Kubernetes calls) and the finalizer release are local activities;
 * only the host worker's step (sriov_numvfs → 0) stays an activity on the
 * host's queue. Implies the reverse phase order (delete-dpu.ts), whose marker
 * is then not recorded. Deletes started before it
 * (test/histories/delete-dpu-reverse-phase-order.json) replay as they ran.
 */
export const DELETE_STATUS_WITH_WORK = 'delete-dpu-status-with-work';
