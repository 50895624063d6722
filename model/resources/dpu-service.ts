/**
 * DPUService (provisioning.xpuflow.dev/v1alpha1): a Helm chart run in every
 * targeted DPU cluster through one Argo CD Application per cluster. The
 * schema with its validation is charts/xpuflow/crds/provisioning.xpuflow.dev_dpuservices.yaml;
 * these types follow it. Also the few Argo CD Application fields xpuflow
 * writes and reads (argoproj.io/v1alpha1, manifests/crds/application-crd.yaml).
 */
import { GROUP, type KubeCondition, type LabelSelector, type Resource } from './common';

/** Keeps a DPUService until its Applications are gone from every DPU cluster. */
export const DPU_SERVICE_FINALIZER = `${GROUP}/dpuservice-cleanup`;
/** Set on what a DPUService makes in a DPU cluster (Applications, mirrored Secrets): the DPUService's name. */
export const DPU_SERVICE_LABEL = `${GROUP}/dpuservice`;
/** Its namespace in the host cluster, beside DPU_SERVICE_LABEL. */
export const DPU_SERVICE_NAMESPACE_LABEL = `${GROUP}/dpuservice-namespace`;
/** The hash of the rendered Application spec last written: unchanged hash, no write. */
export const SPEC_HASH_ANNOTATION = `${GROUP}/spec-hash`;

export interface HelmChartSource {
  /** oci://… or http(s)://… Helm repository. */
  repoURL: string;
  chart: string;
  version: string;
}

export interface DpuServiceRollout {
  /** A DPUCluster that gets a new release alone, first. */
  canary?: string;
  /** Cumulative percentages of the other clusters, ending at 100, e.g. [50, 100]. */
  waves?: number[];
  /** How long a wave may take to be Synced and Healthy (default 600). */
  healthTimeoutSeconds?: number;
}

export interface DpuServiceSpec {
  helmChart: { source: HelmChartSource; values?: Record<string, unknown> };
  /** Node selector of the chart's DaemonSet (default: nodes with the DPU node label). */
  nodeSelector?: Record<string, string>;
  /** Namespace in each DPU cluster the chart is installed into. */
  namespace: string;
  /** Secrets of the DPUService's namespace copied into each DPU cluster's target namespace. */
  imagePullSecrets?: string[];
  /** DPUClusters by name; when set, clusterSelector is ignored. */
  clusters?: string[];
  /** DPUClusters by label; neither set: every DPUCluster in the namespace. */
  clusterSelector?: LabelSelector;
  paused?: boolean;
  rollout?: DpuServiceRollout;
}

export type DpuServicePhase =
  'Pending' | 'Progressing' | 'Ready' | 'Degraded' | 'RolledBack' | 'Paused' | 'Deleting';

export interface ClusterServiceStatus {
  cluster: string;
  sync: string;
  health: string;
  revision: string;
  message?: string;
}

/** What one release is: the chart and the values, as last healthy everywhere. */
export interface ServiceRelease {
  repoURL: string;
  chart: string;
  version: string;
  values: Record<string, unknown>;
}

export interface DpuServiceStatus {
  phase?: DpuServicePhase;
  message?: string;
  observedGeneration?: number;
  clusters?: ClusterServiceStatus[];
  /** 1-based wave being rolled out (or where the rollout stopped), of totalWaves. */
  currentWave?: number;
  totalWaves?: number;
  waves?: string[][];
  lastHealthy?: ServiceRelease;
  conditions?: KubeCondition[];
  workflowId?: string;
  workflowUrl?: string;
}

export type DpuServiceResource = Resource<DpuServiceSpec, DpuServiceStatus>;

export const ARGO_GROUP = 'argoproj.io';
export const ARGO_VERSION = 'v1alpha1';
export const ARGO_APPLICATIONS = 'applications';
/** Argo CD deletes the app's resources before the Application goes (cascading delete). */
export const ARGO_RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
/** Where Applications live in each DPU cluster (Argo CD's own namespace). */
export const ARGO_NAMESPACE = 'argocd';

export interface ApplicationSource {
  repoURL: string;
  chart: string;
  targetRevision: string;
  helm: { releaseName?: string; valuesObject: Record<string, unknown> };
}

export interface ApplicationSpec {
  project: string;
  source: ApplicationSource;
  destination: { server: string; namespace: string };
  syncPolicy: {
    automated: { prune: boolean; selfHeal: boolean };
    syncOptions: string[];
  };
}

export interface ApplicationStatus {
  sync?: {
    status?: string;
    revision?: string;
    comparedTo?: { source?: Partial<ApplicationSource>; destination?: object };
  };
  health?: { status?: string; message?: string };
  operationState?: { phase?: string; message?: string; syncResult?: { revision?: string } };
}

export interface Application {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    resourceVersion?: string;
    deletionTimestamp?: string | Date;
  };
  spec: ApplicationSpec;
  status?: ApplicationStatus;
}
