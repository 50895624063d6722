/**
 * Every workflow ID xpuflow builds, in one place. An ID derives from what the
 * workflow acts on, so a restarted caller (controller, host agent, CLI, demo)
 * finds the run it started before instead of starting a second one, and two
 * claims of one thing cannot both win. Running workflows and controllers
 * depend on these strings: changing one orphans the runs under the old ID.
 * Pure: workflows use them.
 */
import type { ObjectRef } from './resources/common';

/** The first block of an object's UID tells one re-created under the same name from the one being deleted. */
function uidSuffix(ref: { uid?: string }): string {
  return ref.uid ? `-${ref.uid.slice(0, 8)}` : '';
}

/** A provisioning run started by name (CLI, demo, benchmarks), not by a DPU object. */
export function provisionDpuWorkflowId(dpuName: string): string {
  return `provision-dpu-${dpuName}`;
}

/** The long-lived workflow that owns one DPU object. */
export function dpuLifecycleWorkflowId(ref: ObjectRef): string {
  return `dpu-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}

/** UpdateDpu for a DPU whose flavor's content changed under the same generation: `…-g<n>-f<revision>`. */
export function dpuFlavorRevisionWorkflowId(ref: ObjectRef, generation: number, revision: string): string {
  return `${dpuGenerationWorkflowId('update', ref, generation)}-f${revision.slice(0, 12)}`;
}

/**
 * One generation's provisioning (or update) run of a DPU object. Joined by
 * `-` with no UID, so namespace `a-b` name `c` and namespace `a` name `b-c`
 * share these IDs (the lifecycle's UID suffix tells them apart; these do not).
 */
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

/** A rollout's child workflow that updates one DPU of the set. */
export function rolloutDpuWorkflowId(set: ObjectRef, templateHash: string, dpu: string): string {
  return `dpuset-rollout-${set.namespace}-${set.name}-${templateHash}-${dpu}`;
}

/** The lease of one VF of one node: two claims of the VF cannot both win. */
export function vfLeaseWorkflowId(node: string, pciAddress: string): string {
  return `vf-lease-${node}-${pciAddress}`;
}

/** A VM's claim of a VF of one PF. */
export function vmClaimWorkflowId(node: string, vm: string, pf: string): string {
  return `vm-claim-${node}-${vm}-${pf}`;
}

/** The workflow that carries one guest cluster's VFClaim to the host (the UID tells a re-created claim apart). */
export function vfClaimWorkflowId(guest: {
  cluster: string;
  namespace: string;
  name: string;
  uid: string;
}): string {
  return `vf-claim-${guest.cluster}-${guest.namespace}-${guest.name}${uidSuffix(guest)}`;
}

/** The service-chain workflow of one DPU (one per DPU and namespace). */
export function serviceChainWorkflowId(namespace: string, dpu: string): string {
  return `servicechain-${namespace}-${dpu}`;
}

/** The long-lived workflow behind one DPUServiceCredentialRequest object. */
export function credentialWorkflowId(ref: ObjectRef): string {
  return `credential-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}

/** The long-lived workflow that owns one DPUService object. */
export function dpuServiceWorkflowId(ref: { namespace: string; name: string; uid?: string }): string {
  return `dpuservice-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}

/**
 * The Temporal Schedule of one DPUDiscovery object (its UID's first block
 * tells one re-created under the same name apart).
 */
export function dpuDiscoveryScheduleId(ref: ObjectRef): string {
  return `dpu-discovery-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}

/** The workflow ID of a discovery schedule's runs; Temporal appends each run's scheduled time to it. */
export function dpuDiscoveryWorkflowId(ref: ObjectRef): string {
  return `dpu-discovery-scan-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}

/** The long-lived workflow that makes and removes one `kamaji` DPUCluster. */
export function dpuClusterWorkflowId(ref: ObjectRef): string {
  return `dpucluster-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}

/** The one workflow of a DPUDeployment object (its UID's first block tells one re-created under the same name apart). */
export function dpuDeploymentWorkflowId(ref: { namespace: string; name: string; uid?: string }): string {
  return `dpudeployment-${ref.namespace}-${ref.name}${uidSuffix(ref)}`;
}
