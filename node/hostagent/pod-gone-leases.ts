/**
 * The leases this node holds for pods that no longer exist, by the same view
 * the lease collector uses (PodChecker: the API server, or the kubelet peer's
 * pod list), and since when this host agent has seen each of them so. The
 * collector asks such a lease to release at once; one still here passes after
 * passes has a release that does not finish (its undo fails, or no control
 * worker runs it), and its VF stays out of the pool. The counts are per node
 * (xpuflow_vf_leases_pod_gone, …_since_seconds), never per VF or per pod.
 * A pod the checker cannot tell about (undefined) is not counted.
 */
import { podKey, type VfLeaseStatus } from '../../model/vf';
import type { PodChecker } from './pods';

export interface PodGone {
  /** Leases held for pods that no longer exist. */
  count: number;
  /** When the oldest of them was first seen so (ms since the epoch), when there is one. */
  sinceMs?: number;
}

export class PodGoneLeases {
  /** `<pci> <namespace/name>` → when first seen with its pod gone. */
  private firstSeen = new Map<string, number>();

  /** `leases`: the node's leases not yet released (a lease still releasing counts: its VF is still held). */
  async observe(leases: readonly VfLeaseStatus[], pods: PodChecker, now = Date.now()): Promise<PodGone> {
    const seen = new Map<string, number>();
    for (const lease of leases) {
      if (!lease.pod || lease.phase === 'Released') continue;
      if ((await pods.exists(lease.pod)) !== false) continue;
      const key = `${lease.pciAddress} ${podKey(lease.pod)}`;
      seen.set(key, this.firstSeen.get(key) ?? now);
    }
    this.firstSeen = seen;
    const times = [...seen.values()];
    return { count: seen.size, ...(times.length > 0 ? { sinceMs: Math.min(...times) } : {}) };
  }
}
