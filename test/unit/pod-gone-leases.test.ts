/**
 * The per-node count of VF leases held for pods that are gone, and since when
 * (node/hostagent/pod-gone-leases.ts; the alert XpuflowVfLeasePodGone reads it).
 */
import type { PodRef, VfLeaseStatus } from '../../model/vf';
import { PodGoneLeases } from '../../node/hostagent/pod-gone-leases';
import type { PodChecker } from '../../node/hostagent/pods';

const lease = (pci: string, phase: VfLeaseStatus['phase'], pod?: string): VfLeaseStatus => ({
  node: 'host-1',
  pciAddress: pci,
  resourceName: 'xpuflow.dev/pool-a',
  phase,
  ...(pod ? { pod: { namespace: 'apps', name: pod, uid: `uid-${pod}` } } : {}),
});

/** Pods by name: true (exists), false (gone), or missing: cannot tell. */
function checker(pods: Record<string, boolean>): PodChecker {
  return { exists: async (p: PodRef) => pods[p.name] };
}

test('counts leases whose pod is gone, keeps each one first-seen time, and forgets the ones released', async () => {
  const t = new PodGoneLeases();
  const leases = [
    lease('0000:3b:00.2', 'Attached', 'web-1'),
    lease('0000:3b:00.3', 'Releasing', 'web-2'),
    lease('0000:3b:00.4', 'Reserved'),
    lease('0000:3b:00.5', 'Attached', 'web-3'),
    lease('0000:3b:00.6', 'Attached', 'web-4'),
  ];
  // web-1 exists, web-2 is gone (its release is under way: the VF is still held), web-3 cannot be told.
  expect(await t.observe(leases, checker({ 'web-1': true, 'web-2': false, 'web-4': true }), 1_000)).toEqual({
    count: 1,
    sinceMs: 1_000,
  });
  // Later web-4 goes too: two leases, the oldest still seen first at 1 000.
  expect(await t.observe(leases, checker({ 'web-1': true, 'web-2': false, 'web-4': false }), 5_000)).toEqual({
    count: 2,
    sinceMs: 1_000,
  });
  // web-2's lease is released and gone from the list: the oldest is now web-4's.
  const rest = leases.filter((l) => l.pciAddress !== '0000:3b:00.3');
  expect(await t.observe(rest, checker({ 'web-1': true, 'web-4': false }), 9_000)).toEqual({
    count: 1,
    sinceMs: 5_000,
  });
  // Nothing gone: 0, no since.
  expect(await t.observe(rest, checker({ 'web-1': true, 'web-4': true }), 12_000)).toEqual({ count: 0 });
  // A lease whose pod goes again later starts a new since.
  expect(await t.observe(rest, checker({ 'web-1': false, 'web-4': true }), 15_000)).toEqual({
    count: 1,
    sinceMs: 15_000,
  });
});

test('a pod list that cannot be read is an error for the collector to report, not "no pod is gone"', async () => {
  const t = new PodGoneLeases();
  const broken: PodChecker = {
    exists: async () => {
      throw new Error('pod list /var/lib/xpuflow/pods.json cannot be used: Unexpected end of JSON input');
    },
  };
  await expect(t.observe([lease('0000:3b:00.2', 'Attached', 'web-1')], broken)).rejects.toThrow(
    /pods.json cannot be used/,
  );
});
