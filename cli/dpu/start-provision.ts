/** Starts ProvisionDpu for a spec, refusing bad input before anything is written. */
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { DpuSpec } from '../../model/dpu';
import { Phase } from '../../model/phases';
import type { ProvisionDpuInput } from '../../model/dpu-provision-api';
import { DPU_KEY, NODE_KEY, PHASE_KEY } from '../../model/search-attributes';
import { CONTROL_TASK_QUEUE, hostTaskQueue } from '../../model/task-queues';
import { specProblems } from '../../model/validation';
import { provisionDpuWorkflowId } from '../../model/workflow-ids';
import { WorkflowType, type ProvisionDpuWorkflow } from '../../model/workflow-types';
import { queueHasPollers } from '../../platform/connection/pollers';

export class InputRefused extends Error {
  override name = 'InputRefused';
}

export async function startProvision(
  client: Client,
  spec: DpuSpec,
  opts: { checkNode?: boolean } = {},
): Promise<{ workflowId: string; runId: string }> {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new InputRefused(`refused: ${problems.join('; ')}`);
  if (opts.checkNode !== false && !(await queueHasPollers(client, hostTaskQueue(spec.node)))) {
    throw new InputRefused(
      `refused: unknown node ${JSON.stringify(spec.node)}: no host worker polls ${hostTaskQueue(spec.node)}; ` +
        `start \`xpuflow worker host --node ${spec.node}\` on that host, or check the name`,
    );
  }
  const workflowId = provisionDpuWorkflowId(spec.name);
  const input: ProvisionDpuInput = { spec };
  try {
    const handle = await client.workflow.start<ProvisionDpuWorkflow>(WorkflowType.provisionDpu, {
      taskQueue: CONTROL_TASK_QUEUE,
      workflowId,
      args: [input],
      typedSearchAttributes: [
        { key: PHASE_KEY, value: Phase.Initializing },
        { key: DPU_KEY, value: spec.name },
        { key: NODE_KEY, value: spec.node },
      ],
      staticSummary: `provision DPU ${spec.name} on ${spec.node} with ${spec.bfb.url}`,
    });
    return { workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new InputRefused(
        `DPU ${spec.name} is already being provisioned (workflow ${workflowId}); follow it with \`xpuflow dpu status ${spec.name} --watch\``,
      );
    }
    throw err;
  }
}
