/**
 * VfLease: one VF of one node, leased to one pod. Its workflow ID comes from
 * the node and the VF's PCI address (vf-lease-<node>-<pci>), so two claims of
 * one VF cannot both hold a lease: the second joins the first, and the first
 * CNI ADD binds it to its pod.
 *
 *   device plugin Allocate ──eager start──▶ VfLease on xpuflow-host-<node> (the host worker runs it)
 *                                      │ OPI CreateBridgePort (MAC, VLAN) on xpuflow-dpu-<dpu>
 *   CNI ADD ──update-with-start attach─▶ │ netns move, a local activity of that workflow task ──▶ Attached
 *   CNI DEL / collector ──release────▶ │ netns move back (local), OPI DeleteBridgePort ──▶ Released
 *
 * A lease started on the control queue (earlier releases) runs the netns
 * moves as activities on xpuflow-host-<node> instead (lease.ts onHost).
 *
 * 1. The xPU side (steps.ts reserveXpu); CNI ADD is the attach update (handlers.ts → steps.ts attach).
 * 2. Wait for the CNI ADD (or a release); a lease no CNI ADD comes for within attachTimeoutMs releases itself.
 * 3. Hold the VF until released (CNI DEL, pod gone, CLI).
 * 4. Undo both sides, newest first (steps.ts release).
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { NODE_KEY } from '../../model/search-attributes';
import { leaseInputProblems, type VfLeaseInput, type VfLeaseStatus } from '../../model/vf';
import { listen } from './handlers';
import { newLease } from './lease';
import { release, reserveXpu } from './steps';

export const DEFAULT_ATTACH_TIMEOUT_MS = 10 * 60_000;

export async function vfLease(input: VfLeaseInput): Promise<VfLeaseStatus> {
  const problems = leaseInputProblems(input);
  if (problems.length)
    throw ApplicationFailure.nonRetryable(`VF lease refused: ${problems.join('; ')}`, 'BadLeaseInput');
  const lease = newLease(input);
  upsertSearchAttributes([{ key: NODE_KEY, value: input.node }]);
  listen(lease);

  // 1.
  await reserveXpu(lease);

  // 2.
  const timeout = input.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS;
  const came = await condition(() => lease.attached !== undefined || lease.release !== undefined, timeout);
  if (!came) lease.release ??= { reason: `no CNI ADD within ${Math.round(timeout / 1000)} s of Allocate` };

  // 3.
  await condition(() => lease.release !== undefined && !lease.attaching);

  // 4.
  await release(lease);
  await condition(allHandlersFinished);
  return lease.status;
}
