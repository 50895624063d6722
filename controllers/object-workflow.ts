/**
 * What the controllers of objects with one long-lived workflow each (DPU,
 * DPUService, DPUServiceCredentialRequest) share: the finalizer that keeps
 * the object until its workflow let it go, the workflow told once of each new
 * generation and once of the deletion (signalWithStart: a missing workflow is
 * started), and a spec problem shown in the object's status.
 */
import type { Client, Workflow } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { setCondition } from '../model/resources/conditions';
import { refOf, type Kind, type KubeCondition, type ObjectMeta } from '../model/resources/common';
import { CONTROL_TASK_QUEUE } from '../model/task-queues';
import type { WorkflowFunctions, WorkflowTypeName } from '../model/workflow-types';
import type { Kube } from '../platform/kube/client';

/**
 * Adds the finalizer unless the object has it. True when it patched: the
 * update event brings the object back to its controller.
 */
export async function addFinalizer(
  kube: Kube,
  kind: Kind,
  metadata: ObjectMeta,
  finalizer: string,
): Promise<boolean> {
  const finalizers = metadata.finalizers ?? [];
  if (finalizers.includes(finalizer)) return false;
  await kube.patch(kind, refOf(metadata), { metadata: { finalizers: [...finalizers, finalizer] } });
  return true;
}

/** The conditions with Ready=False for this reason and message, at this generation. */
export function notReady(
  conditions: KubeCondition[] | undefined,
  reason: string,
  message: string,
  generation: number,
): KubeCondition[] {
  return setCondition(
    conditions,
    { type: 'Ready', status: 'False', reason, message, observedGeneration: generation },
    new Date().toISOString(),
  );
}

/** An object's workflow: its type, ID and start input. */
export interface ObjectWorkflow<T extends WorkflowTypeName> {
  type: T;
  workflowId: string;
  args: Parameters<WorkflowFunctions[T]>;
}

export function objectWorkflow<T extends WorkflowTypeName>(
  type: T,
  workflowId: string,
  ...args: Parameters<WorkflowFunctions[T]>
): ObjectWorkflow<T> {
  return { type, workflowId, args };
}

/**
 * What this process told each object's workflow last (per object UID: a
 * generation, or "delete"), so a requeued object signals nothing twice. The
 * workflows also ignore what they have seen: a restarted controller that
 * signals again does no harm.
 */
export class SignalledOnce {
  private readonly told = new Map<string, string>();

  constructor(private readonly temporal: Client) {}

  has(uid: string, mark: string | number): boolean {
    return this.told.get(uid) === String(mark);
  }

  /** Counts `mark` as told without signalling (a run before a restart took it; a spec refused). */
  remember(uid: string, mark: string | number): void {
    this.told.set(uid, String(mark));
  }

  /** Forgets what the object's workflow was told: the next mark is signalled whatever it is. */
  forget(uid: string): void {
    this.told.delete(uid);
  }

  /** signalWithStart the object's workflow, unless `mark` was told already. */
  async signal<T extends WorkflowTypeName, S extends unknown[]>(
    uid: string,
    mark: string | number,
    workflow: ObjectWorkflow<T>,
    signal: SignalDefinition<S>,
    ...signalArgs: S
  ): Promise<void> {
    if (this.has(uid, mark)) return;
    // The arguments are checked against the workflow's type above; the SDK's conditional option types need concrete ones.
    await this.temporal.workflow.signalWithStart<Workflow, unknown[]>(workflow.type, {
      workflowId: workflow.workflowId,
      taskQueue: CONTROL_TASK_QUEUE,
      args: workflow.args,
      signal,
      signalArgs,
    });
    this.remember(uid, mark);
  }
}
