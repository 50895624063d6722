/** Starting, joining and finding VF leases: the one way every edge (device plugin, CNI, CLI) claims a VF. */
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { DPU_KEY, NODE_KEY, PHASE_KEY } from '../../model/search-attributes';
import { CONTROL_TASK_QUEUE } from '../../model/task-queues';
import { leaseStatusQuery } from '../../model/vf-lease-api';
import { podKey, type VfLeaseInput, type VfLeaseStatus } from '../../model/vf';
import { vfLeaseWorkflowId } from '../../model/workflow-ids';
import { WorkflowType, type VfLeaseWorkflow } from '../../model/workflow-types';

export class LeaseConflict extends Error {
  override name = 'LeaseConflict';
}

/**
 * Starts the VF's lease, or joins the one running (same workflow ID: one
 * lease per VF). Refuses when the running lease belongs to another pod or is
 * being released.
 */
export async function startOrJoinLease(client: Client, input: VfLeaseInput): Promise<VfLeaseStatus> {
  const workflowId = vfLeaseWorkflowId(input.node, input.pciAddress);
  const handle = await client.workflow.start<VfLeaseWorkflow>(WorkflowType.vfLease, {
    taskQueue: CONTROL_TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    typedSearchAttributes: [
      { key: NODE_KEY, value: input.node },
      { key: DPU_KEY, value: input.xpu.dpu },
      { key: PHASE_KEY, value: 'Reserving' },
    ],
    staticSummary: `VF ${input.pciAddress} on ${input.node} (${input.resourceName})`,
  });
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
