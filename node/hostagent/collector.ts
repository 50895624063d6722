/**
 * The lease collector: every interval, the node's running leases whose pod no
 * longer exists are told to release (signal), so no VF stays orphaned when a
 * pod went away without a CNI DEL. Leases no pod ever attached to release
 * themselves after their attach timeout. Each pass also sets the
 * xpuflow_vf_leases_held gauge of this node, and the count of its leases
 * still held for pods that are gone (pod-gone-leases.ts), which the alert
 * XpuflowVfLeasePodGone reads.
 */
import type { Client } from '@temporalio/client';
import { releaseSignal } from '../../model/vf-lease-api';
import { podKey } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { setVfLeasesHeld, setVfLeasesPodGone } from '../../platform/observability/metrics';
import { listLeases } from './leases';
import { PodGoneLeases } from './pod-gone-leases';
import type { PodChecker } from './pods';

export async function collectOnce(client: Client, node: string, pods: PodChecker): Promise<string[]> {
  const released: string[] = [];
  for (const lease of await listLeases(client, node)) {
    if (!lease.pod || lease.phase === 'Releasing' || lease.phase === 'Released') continue;
    if ((await pods.exists(lease.pod)) !== false) continue;
    await client.workflow
      .getHandle(vfLeaseWorkflowId(node, lease.pciAddress))
      .signal(releaseSignal, { reason: `pod ${podKey(lease.pod)} no longer exists (collected)` });
    released.push(lease.pciAddress);
  }
  return released;
}

export function startCollector(
  client: Client,
  node: string,
  pods: PodChecker,
  intervalMs: number,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const podGone = new PodGoneLeases();
  const tick = async () => {
    try {
      const released = await collectOnce(client, node, pods);
      for (const pci of released) console.log(`collector: released the lease of VF ${pci} (pod gone)`);
      const leases = await listLeases(client, node);
      setVfLeasesHeld(node, leases.filter((l) => l.phase !== 'Releasing' && l.phase !== 'Released').length);
      const gone = await podGone.observe(leases, pods);
      setVfLeasesPodGone(node, gone.count, gone.sinceMs);
    } catch (err) {
      console.error(`collector: ${(err as Error).message}`);
    }
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
