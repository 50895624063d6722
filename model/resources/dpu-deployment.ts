/**
 * DPUDeployment, DPUServiceTemplate and DPUServiceConfiguration (group
 * provisioning.xpuflow.dev, v1alpha1), field for field the parts of NVIDIA
 * DPF's types xpuflow does (NVIDIA/doca-platform api/dpuservice/v1alpha1/
 * dpudeployment_types.go @05b8850f53b5ed24db3e45190484d4b947679b0c,
 * dpuservicetemplate_types.go @887803ca3216607e0e9c643688505f56275b47ea,
 * dpuserviceconfiguration_types.go @08c5e89d99682eb63e9d633a4845667469e47e23).
 * The schemas with their CEL rules live in charts/xpuflow/crds/; these types
 * follow them.
 */
import {
  GROUP,
  type DpuClusterBinding,
  type KubeCondition,
  type LabelSelector,
  type NodeEffect,
  type Resource,
} from './common';
import type { HelmChartSource } from './dpu-service';

/** On every object a DPUDeployment makes: the deployment's name (DPF's svc.dpu.nvidia.com/owned-by-dpudeployment). */
export const DPU_DEPLOYMENT_LABEL = `${GROUP}/dpudeployment`;
/** Keeps a DPUDeployment until its workflow removed what it made (DPF's DPUDeploymentFinalizer). */
export const DPU_DEPLOYMENT_FINALIZER = `${GROUP}/dpudeployment-cleanup`;
/** On the DPUServices and DPUServiceInterfaces it makes: the service's key (DPF's dpudeployment-service). */
export const DEPLOYMENT_SERVICE_LABEL = `${GROUP}/dpudeployment-service`;
/** On a DPUService it makes: the service revision it runs (DPF's dpuservice-version annotation). */
export const SERVICE_REVISION_LABEL = `${GROUP}/dpuservice-revision`;

export interface DpuDeploymentServiceRef {
  serviceTemplate: string;
  serviceConfiguration: string;
}

export interface DpuDeploymentPort {
  service?: { name: string; interface: string };
  serviceInterface?: { name: string };
}

export interface DpuDeploymentSpec {
  dpus: {
    bfb: string;
    flavor?: string;
    numVfs?: number;
    nodeEffect?: NodeEffect;
    cluster?: DpuClusterBinding;
    dpuSets: Array<{ nameSuffix: string; nodeSelector?: LabelSelector }>;
    dpuSetStrategy?: { rollingUpdate?: { maxUnavailable?: number | string } };
  };
  services: Record<string, DpuDeploymentServiceRef>;
  serviceChains?: { switches: Array<{ ports: DpuDeploymentPort[] }> };
}

export interface DpuDeploymentStatus {
  observedGeneration?: number;
  revision?: string;
  workflowId?: string;
  conditions?: KubeCondition[];
}
export type DpuDeploymentResource = Resource<DpuDeploymentSpec, DpuDeploymentStatus>;

export interface DpuServiceTemplateSpec {
  deploymentServiceName: string;
  helmChart: { source: HelmChartSource; values?: Record<string, unknown> };
  /** What one instance needs on a DPU (cpu, memory, …), as Kubernetes quantities. */
  resourceRequirements?: Record<string, string | number>;
  /** Constraints on the BFB's versions by component, e.g. `{ doca: '>=2.9.0 <3.0.0' }`. */
  versions?: Record<string, string>;
}
export type DpuServiceTemplateResource = Resource<DpuServiceTemplateSpec>;

export interface DpuServiceConfigurationSpec {
  deploymentServiceName: string;
  serviceConfiguration?: { helmChart?: { values?: Record<string, unknown> } };
  interfaces?: Array<{ name: string; network: string }>;
}
export type DpuServiceConfigurationResource = Resource<DpuServiceConfigurationSpec>;
