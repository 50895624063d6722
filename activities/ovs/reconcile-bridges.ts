/** Reconcile step 1: the wanted bridges, created when missing; never deleted (others may use them). */
import type { DesiredOvs } from '../../model/ovs-state';
import type { OvsSession } from './session';

/** Creates the missing bridges; returns every bridge there now. */
export async function ensureBridges(
  { ovs, opts, bridges }: OvsSession,
  desired: DesiredOvs,
  changes: string[],
): Promise<Set<string>> {
  const have = new Set(await bridges());
  for (const br of desired.bridges) {
    if (have.has(br)) continue;
    await ovs.vsctl([
      '--may-exist',
      'add-br',
      br,
      ...(opts.datapathType ? ['--', 'set', 'bridge', br, `datapath_type=${opts.datapathType}`] : []),
    ]);
    have.add(br);
    changes.push(`created bridge ${br}`);
  }
  return have;
}
