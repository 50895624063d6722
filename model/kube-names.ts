/**
 * Names derived from a resource, so a restarted controller or worker finds
 * what it made before instead of making it again. Pure: workflows use them.
 */
import type { ObjectRef } from './resources/common';

/**
 * The long-lived workflow that owns one DPU object. The UID's first block
 * tells a DPU re-created under the same name from the one being deleted.
 */
export function dpuLifecycleWorkflowId(ref: ObjectRef): string {
  return `dpu-${ref.namespace}-${ref.name}${ref.uid ? `-${ref.uid.slice(0, 8)}` : ''}`;
}

/** One generation's provisioning (or update) run of a DPU object. */
export function dpuGenerationWorkflowId(
  kind: 'provision' | 'update' | 'delete',
  ref: ObjectRef,
  generation: number,
): string {
  return kind === 'delete'
    ? `delete-dpu-${ref.namespace}-${ref.name}`
    : `${kind}-dpu-${ref.namespace}-${ref.name}-g${generation}`;
}

/**
 * A DPUSet's rollout of one template, started at one generation of the set:
 * a restarted controller finds it again; a later edit (a rollback to an old
 * template after a stopped rollout) gets a rollout of its own.
 */
export function dpusetRolloutWorkflowId(ref: ObjectRef, templateHash: string, generation: number): string {
  return `dpuset-rollout-${ref.namespace}-${ref.name}-${templateHash}-g${generation}`;
}

/** The template hash a rollout workflow ID was made for. */
export function rolloutTemplateHash(workflowId: string): string | undefined {
  return /-([0-9a-f]{10})-g\d+$/.exec(workflowId)?.[1];
}

export function rolloutDpuWorkflowId(set: ObjectRef, templateHash: string, dpu: string): string {
  return `dpuset-rollout-${set.namespace}-${set.name}-${templateHash}-${dpu}`;
}

/** The DMS pod of one DPU, on its host node. */
export function dmsPodName(dpu: string): string {
  return `dms-${dpu}`.slice(0, 63).replace(/-+$/, '');
}
