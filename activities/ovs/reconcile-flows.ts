/**
 * Reconcile step 3: flows, by cookie. Owned flows that are not wanted are
 * deleted (--strict, exact cookie); missing or changed ones added; a flow
 * through a port that is not usable is skipped and reported.
 */
import type { DesiredFlow, DesiredOvs } from '../../model/ovs-state';
import { flowKey } from './flows';
import type { OvsSession } from './session';

/** Deletes stale owned flows on every bridge in `have`; returns the wanted flows still missing, by key. */
async function deleteStaleFlows(
  { ovs, dumpFlows }: OvsSession,
  have: Set<string>,
  desired: DesiredOvs,
  changes: string[],
): Promise<Map<string, DesiredFlow>> {
  const want = new Map(desired.flows.map((f) => [flowKey(f), f]));
  // On every bridge that has owned flows or wants some.
  const flowBridges = new Set([...desired.flows.map((f) => f.bridge), ...have]);
  for (const br of flowBridges) {
    if (!have.has(br)) continue;
    const stale: string[] = [];
    for (const f of await dumpFlows(br)) {
      if (!f.owned) continue;
      const w = want.get(flowKey(f));
      if (w && w.actions === f.actions) {
        want.delete(flowKey(f));
        continue;
      }
      if (w) continue; // same match, other actions: add-flow below replaces it
      stale.push(`cookie=${f.cookie}/-1,priority=${f.priority},${f.match}`);
      changes.push(`deleted flow ${f.cookie} priority=${f.priority},${f.match} from ${br}`);
    }
    // One OpenFlow connection per bridge for all its deletions (strict: exactly these flows).
    if (stale.length) await ovs.ofctl('del-flows', br, ['-'], ['--strict'], `${stale.join('\n')}\n`);
  }
  return want;
}

/** Adds the `missing` flows, one OpenFlow connection per bridge, skipping those through an unusable port. */
async function addFlows(
  { ovs }: OvsSession,
  missing: Iterable<DesiredFlow>,
  unusable: Set<string>,
  out: { changes: string[]; problems: string[] },
): Promise<void> {
  const additions = new Map<string, string[]>();
  for (const f of missing) {
    const ports = [f.match, f.actions].join(',').match(/(?:in_port=|output:)([^,]+)/g) ?? [];
    const gone = ports.map((m) => m.replace(/^(in_port=|output:)/, '')).filter((n) => unusable.has(n));
    if (gone.length > 0) {
      out.problems.push(`flow ${f.match} of ${f.chain} skipped: port ${gone.join(', ')} is not usable`);
      continue;
    }
    const lines = additions.get(f.bridge) ?? [];
    lines.push(`cookie=${f.cookie},priority=${f.priority},${f.match},actions=${f.actions}`);
    additions.set(f.bridge, lines);
    out.changes.push(
      `added flow ${f.cookie} priority=${f.priority},${f.match} actions=${f.actions} to ${f.bridge}`,
    );
  }
  for (const [br, lines] of additions) await ovs.ofctl('add-flows', br, ['-'], [], `${lines.join('\n')}\n`);
}

/** Makes the owned flows on the bridges in `have` the wanted ones. */
export async function reconcileFlows(
  s: OvsSession,
  have: Set<string>,
  desired: DesiredOvs,
  out: { changes: string[]; problems: string[]; unusable: Set<string> },
): Promise<void> {
  const missing = await deleteStaleFlows(s, have, desired, out.changes);
  await addFlows(s, missing.values(), out.unusable, out);
}
