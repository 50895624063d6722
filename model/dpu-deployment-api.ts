/**
 * Messages of a DPUDeployment's workflow (one per DPUDeployment object): the
 * controller signals each plan it checked (a new revision of the DPU template
 * and the services) and the deletion; the workflow moves the DPUs to the plan,
 * one whole update per DPU, and answers the plan and its progress.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { DpuTemplateSpec, ObjectRef } from './resources/common';

export interface DeploymentServicePlan {
  /** The service's key in spec.services. */
  service: string;
  revision: string;
  /** The DPUService that runs this revision on DPUs labelled with it. */
  dpuService: string;
  chart: string;
  version: string;
}

export interface DeploymentPlan {
  generation: number;
  /** Hash of the DPU template (BFB, flavor, node effect): what a DPU moves to with a reflash. */
  revision: string;
  /**
   * The service revision labels every DPU node carries once its services step is done (label key →
   * revision). Plans from before the services step carried them in `template.cluster.nodeLabels`.
   */
  serviceLabels?: Record<string, string>;
  /** How long one DPU's services may take to run after its node is labelled (default 600 s). */
  servicesTimeoutSeconds?: number;
  /** Bumped by a change of the services only (no reflash): moves the DPUs' labels, not their template. */
  servicesRevision?: string;
  template: DpuTemplateSpec;
  /** The DPUSets the deployment made (their DPUs are rolled). */
  dpuSets: string[];
  services: DeploymentServicePlan[];
  maxUnavailable: number;
  /** How long one DPU may take from its update to Ready. */
  settleTimeoutSeconds: number;
}

export type DpuStep = 'Pending' | 'Updating' | 'Services' | 'Ready' | 'Failed';

export interface DeploymentProgress {
  phase: 'Waiting' | 'RollingOut' | 'Ready' | 'Failed' | 'Deleting';
  plan?: DeploymentPlan;
  /** Each DPU of the plan: where its one update is. */
  dpus: Array<{ dpu: string; step: DpuStep; message?: string }>;
  message: string;
}

export interface DpuDeploymentInput {
  ref: ObjectRef;
  /** Carried over continue-as-new. */
  plan?: DeploymentPlan;
  /** The revision whose rollout has ended. */
  doneRevision?: string;
  /** How often to look for DPUs the sets made meanwhile (default 30 s). */
  pollSeconds?: number;
}

export const deploymentPlannedSignal = defineSignal<[DeploymentPlan]>('deploymentPlanned');
export const deploymentDeletedSignal = defineSignal('deploymentDeleted');
/**
 * A DPU of the deployment's sets changed (made, Ready, in Error, on another template): the
 * rollout looks again now instead of at its next poll. Sent by the controller, which watches DPUs.
 */
export const deploymentDpusChangedSignal = defineSignal('deploymentDpusChanged');
export const deploymentProgressQuery = defineQuery<DeploymentProgress>('deploymentProgress');

/** A plan replaces another when it is of a newer generation, or moves to another revision. */
export function replacesPlan(next: DeploymentPlan, current: DeploymentPlan | undefined): boolean {
  if (!current) return true;
  if (next.generation !== current.generation) return next.generation > current.generation;
  return next.revision !== current.revision || next.servicesRevision !== current.servicesRevision;
}
