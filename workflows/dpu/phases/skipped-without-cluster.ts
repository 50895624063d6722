/**
 * Node Effect, DMS Deployment and DPU Cluster Config act on Kubernetes
 * clusters. Until a cluster is configured they are recorded as skipped, so the
 * phase list reads the same as DPF's.
 */
import type { PhaseOutcome } from '../context';

export async function skippedWithoutCluster(): Promise<PhaseOutcome> {
  return { skipped: 'skipped: no cluster configured' };
}
