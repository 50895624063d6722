/**
 * `reconcileOvs`: makes the DPU's Open vSwitch hold the wanted bridges, ports
 * and flows, in three steps (reconcile-bridges, reconcile-ports,
 * reconcile-flows), and returns what changed, what could not be done, and the
 * state read back.
 */
import type { DesiredOvs, OvsState, ReconcileOvsResult } from '../../model/ovs-state';
import { ensureBridges } from './reconcile-bridges';
import { reconcileFlows } from './reconcile-flows';
import { reconcilePorts, type PortOutcome } from './reconcile-ports';
import type { OvsSession } from './session';

export function reconcileActivity(s: OvsSession, readOvsState: () => Promise<OvsState>) {
  async function reconcileOvs(desired: DesiredOvs): Promise<ReconcileOvsResult> {
    const out: PortOutcome = { changes: [], problems: [], unusable: new Set() };
    const have = await ensureBridges(s, desired, out.changes);
    await reconcilePorts(s, have, desired, out);
    await reconcileFlows(s, have, desired, out);
    return { changes: out.changes, problems: out.problems, state: await readOvsState() };
  }
  return { reconcileOvs };
}
