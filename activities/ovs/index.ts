/**
 * OVS activities of the DPU worker (queue xpuflow-dpu-<dpu>): make the DPU's
 * Open vSwitch hold the ports and flows the service-chain workflow asks for,
 * and read back what it holds. Idempotent: everything is read first, only
 * differences are applied, so a retry after a crash converges.
 *
 *   bridges  created when missing (datapath_type from the worker's option)
 *   ports    missing ones added (owned: external_ids xpuflow-owner=xpuflow);
 *            owned ones no longer wanted deleted; a port of the same name
 *            that is not ours is adopted on the wanted bridge, refused elsewhere
 *   flows    by cookie: flows with xpuflow's cookie mark that are not wanted
 *            are deleted (--strict, exact cookie); missing or changed ones added
 *
 * One job per file, on the commands and reads of session.ts.
 */
import { readStateActivity } from './read-state';
import { reconcileActivity } from './reconcile';
import { ovsSession, type OvsActivitiesOptions } from './session';

export function createOvsActivities(opts: OvsActivitiesOptions) {
  const session = ovsSession(opts);
  const { readOvsState } = readStateActivity(session);
  const { reconcileOvs } = reconcileActivity(session, readOvsState);
  return { reconcileOvs, readOvsState };
}

export type OvsActivities = ReturnType<typeof createOvsActivities>;
export type { OvsActivitiesOptions } from './session';
export { DEFAULT_OVS_DB, ovsRundir } from './commands';
