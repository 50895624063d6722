/**
 * The runs of a Kubernetes-managed DPU, found by namespace and name.
 *
 * Its lifecycle's workflow ID is `dpu-<ns>-<name>-<first block of the UID>`
 * (model/workflow-ids.ts), and the CLI does not know the UID without asking
 * the Kubernetes API, which an operator retrying through Temporal may not
 * reach. The XpuflowDpu search attribute holds the bare name, shared by DPUs
 * of that name in every namespace. So: list the running dpuLifecycle
 * workflows whose ID starts with `dpu-<ns>-<name>-` (visibility), and keep
 * the one whose lifecycle query names this namespace and name: the prefix
 * alone is ambiguous (namespace `a-b` name `c` and namespace `a` name `b-c`
 * share it). The lifecycle's query then names the generation run it owns
 * (`running`: the one parked in Error, or in flight); when none is running,
 * the last generation's run. A DPU re-created under the same name while the
 * old one is still deleting has two lifecycles: the one not deleting wins.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { lifecycleStateQuery, type DpuLifecycleState } from '../../model/dpu-lifecycle-api';
import { dpuGenerationWorkflowId } from '../../model/workflow-ids';
import { WorkflowType } from '../../model/workflow-types';
import { CliError } from '../cli-error';

export interface KubeDpuRuns {
  lifecycleId: string;
  state: DpuLifecycleState;
  /** The generation run to read and retry: running (or parked), else the last one; absent before any. */
  runId?: string;
}

export async function findKubeDpu(client: Client, namespace: string, name: string): Promise<KubeDpuRuns> {
  const prefix = `dpu-${namespace}-${name}-`;
  const query = `WorkflowType = '${WorkflowType.dpuLifecycle}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${prefix}'`;
  const mine: Array<{ lifecycleId: string; state: DpuLifecycleState }> = [];
  for await (const w of client.workflow.list({ query })) {
    const state = await client.workflow.getHandle(w.workflowId).query(lifecycleStateQuery);
    if (state.ref?.namespace === namespace && state.ref.name === name)
      mine.push({ lifecycleId: w.workflowId, state });
  }
  const live = mine.filter((m) => !m.state.deleting);
  const found = live.length ? live : mine;
  if (found.length === 0) {
    throw new CliError(
      `no lifecycle run for DPU ${namespace}/${name} (no running ${WorkflowType.dpuLifecycle} workflow ${prefix}…): ` +
        `check the DPU exists (kubectl get dpu ${name} -n ${namespace}) and the xpuflow controller runs; ` +
        'for a DPU started with `xpuflow dpu provision`, leave out -n',
    );
  }
  if (found.length > 1) {
    throw new CliError(
      `DPU ${namespace}/${name} has ${found.length} lifecycle runs (${found.map((f) => f.lifecycleId).join(', ')}): ` +
        'use `xpuflow runs` to pick one',
    );
  }
  const [{ lifecycleId, state }] = found;
  const runId = state.running ?? (await lastRun(client, namespace, name, state.appliedGeneration));
  return { lifecycleId, state, ...(runId ? { runId } : {}) };
}

/** The run of the last generation applied: an update, or the first provisioning. */
async function lastRun(
  client: Client,
  namespace: string,
  name: string,
  generation: number,
): Promise<string | undefined> {
  if (generation < 1) return undefined;
  const ref = { namespace, name };
  for (const kind of ['update', 'provision'] as const) {
    const id = dpuGenerationWorkflowId(kind, ref, generation);
    try {
      await client.workflow.getHandle(id).describe();
      return id;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return undefined;
}
