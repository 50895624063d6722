/** Starting, joining and finding VF leases: the one way every edge (device plugin, CNI, CLI) claims a VF. */
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { DPU_KEY, NODE_KEY, PHASE_KEY } from '../../model/search-attributes';
import { hostTaskQueue } from '../../model/task-queues';
import { attachUpdate, leaseStatusQuery } from '../../model/vf-lease-api';
import {
  podKey,
  type AttachRecord,
  type AttachRequest,
  type VfLeaseInput,
  type VfLeaseStatus,
} from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { WorkflowType, type VfLeaseWorkflow } from '../../model/workflow-types';

export class LeaseConflict extends Error {
  override name = 'LeaseConflict';
}

/**
 * How a lease is started: on its node's host queue, where the host worker
 * runs its workflow (the netns moves as local activities of its workflow
 * tasks), with the same workflow ID for a VF (one lease per VF; a start
 * while one runs joins it).
 */
function leaseStartOptions(input: VfLeaseInput) {
  return {
    taskQueue: hostTaskQueue(input.node),
    workflowId: vfLeaseWorkflowId(input.node, input.pciAddress),
    args: [input] as [VfLeaseInput],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: NODE_KEY, value: input.node },
      { key: DPU_KEY, value: input.xpu.dpu },
      { key: PHASE_KEY, value: 'Reserving' },
    ],
    staticSummary: `VF ${input.pciAddress} on ${input.node} (${input.resourceName})`,
  } satisfies WorkflowStartOptions<VfLeaseWorkflow>;
}

/**
 * Starts the VF's lease, or joins the one running (same workflow ID: one
 * lease per VF). Refuses when the running lease belongs to another pod or is
 * being released.
 *
 * `eager`: the client shares its NativeConnection with the host worker that
 * polls the lease's queue (the host worker's device plugin): the server hands
 * the new run's first workflow task back in the start's answer, and that
 * worker runs it at once (eager workflow start), with no poll between. A run
 * started so is new: nothing to check, no query sent, and its status is the
 * one every lease starts with.
 */
export async function startOrJoinLease(
  client: Client,
  input: VfLeaseInput,
  opts: { eager?: boolean } = {},
): Promise<VfLeaseStatus> {
  const handle = await client.workflow.start<VfLeaseWorkflow>(WorkflowType.vfLease, {
    ...leaseStartOptions(input),
    ...(opts.eager ? { requestEagerStart: true } : {}),
  });
  if (handle.eagerlyStarted) {
    const { node, pciAddress, resourceName, pod } = input;
    return { node, pciAddress, resourceName, phase: 'Reserving', ...(pod ? { pod } : {}) };
  }
  const status = await handle.query(leaseStatusQuery);
  if (status.phase === 'Releasing' || status.phase === 'Released') {
    throw new LeaseConflict(
      `VF ${input.pciAddress} on node ${input.node} is being released (${status.releaseReason ?? 'released'}); try again in a moment or use another VF`,
    );
  }
  if (input.pod && status.pod && podKey(status.pod) !== podKey(input.pod)) {
    throw new LeaseConflict(
      `VF ${input.pciAddress} on node ${input.node} is leased to pod ${podKey(status.pod)}, not ${podKey(input.pod)}: request another VF`,
    );
  }
  return status;
}

/**
 * CNI ADD in one call (update-with-start): the attach update to the VF's
 * lease, starting the lease with `input` (its pod bound) when none runs. A
 * lease already running (Allocate started it, or the same pod's earlier ADD)
 * takes the update as it is; its validator refuses another pod, a release in
 * progress, or a second container while attached. A lease that has finished
 * (Released) is started afresh (ALLOW_DUPLICATE).
 */
export function attachWithStart(
  client: Client,
  input: VfLeaseInput,
  req: AttachRequest,
): Promise<AttachRecord> {
  return client.workflow.executeUpdateWithStart(attachUpdate, {
    args: [req],
    startWorkflowOperation: new WithStartWorkflowOperation<VfLeaseWorkflow>(
      WorkflowType.vfLease,
      leaseStartOptions(input),
    ),
  });
}

/** The running lease of a VF, or undefined. */
export async function runningLease(
  client: Client,
  node: string,
  pciAddress: string,
): Promise<VfLeaseStatus | undefined> {
  const handle = client.workflow.getHandle(vfLeaseWorkflowId(node, pciAddress));
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return undefined;
    return await handle.query(leaseStatusQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Running leases of a node (from visibility). */
export async function listLeases(client: Client, node?: string): Promise<VfLeaseStatus[]> {
  const q = `WorkflowType = '${WorkflowType.vfLease}' AND ExecutionStatus = 'Running'${node ? ` AND XpuflowNode = '${node}'` : ''}`;
  const out: VfLeaseStatus[] = [];
  for await (const wf of client.workflow.list({ query: q })) {
    try {
      out.push(await client.workflow.getHandle(wf.workflowId, wf.runId).query(leaseStatusQuery));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err; // else: removed between list and query
    }
  }
  return out;
}
