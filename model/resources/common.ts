/**
 * xpuflow's custom resources (group provisioning.xpuflow.dev, v1alpha1) as
 * the controllers and activities read and write them. The schemas with their
 * validation live in charts/xpuflow/crds/; these types follow them.
 */
import type { DpuFlavorContent } from '../dpu-flavor';
import type { BmcRef, InstallPath } from '../install-path';

export const GROUP = 'provisioning.xpuflow.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const Plural = {
  BFB: 'bfbs',
  DPUFlavor: 'dpuflavors',
  DPU: 'dpus',
  DPUSet: 'dpusets',
  DPUCluster: 'dpuclusters',
  DPUService: 'dpuservices',
  DPUServiceCredentialRequest: 'dpuservicecredentialrequests',
  DPUServiceInterface: 'dpuserviceinterfaces',
  DPUServiceChain: 'dpuservicechains',
  DPUServiceIPAM: 'dpuserviceipams',
  DPUServiceNAD: 'dpuservicenads',
  DPUDevice: 'dpudevices',
  DPUNode: 'dpunodes',
  DPUDiscovery: 'dpudiscoveries',
  VFClaim: 'vfclaims',
  DPUDeployment: 'dpudeployments',
  DPUServiceTemplate: 'dpuservicetemplates',
  DPUServiceConfiguration: 'dpuserviceconfigurations',
} as const;
export type Kind = keyof typeof Plural;

/** Keeps a DPU object until its delete flow has put the host back as it was. */
export const DPU_FINALIZER = `${GROUP}/delete-flow`;
/** Set on DPUs a DPUSet made, naming the set. */
export const DPUSET_LABEL = `${GROUP}/dpuset`;
/** The DPUSet template a DPU was last given (a hash), to tell which DPUs a rollout must update. */
export const TEMPLATE_HASH_ANNOTATION = `${GROUP}/template-hash`;
/** Set (to a new value) by an operator on a DPU with automaticReboot false, once its host was power-cycled. */
export const HOST_POWER_CYCLED_ANNOTATION = `${GROUP}/host-power-cycled`;
/** Set on DPU nodes in the DPU cluster: the DPU object and its host. */
export const DPU_NODE_LABEL = `${GROUP}/dpu`;
export const HOST_NODE_LABEL = `${GROUP}/host`;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string | Date;
  creationTimestamp?: string | Date;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
}

export interface KubeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface Resource<S, T = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: S;
  status?: T;
}

export interface BfbResourceSpec {
  url: string;
  sha256: string;
  /** What the image holds, by component (doca, bsp, …): checked against DPUServiceTemplates' spec.versions. */
  versions?: Record<string, string>;
}
export type BfbResource = Resource<BfbResourceSpec>;

/** DPF's DPUFlavorSpec (model/dpu-flavor.ts) and the host VFs a DPU with this flavor gets. */
export interface DpuFlavorSpec extends DpuFlavorContent {
  numVfs?: number;
  /** The install path of the flavor's DPUs, unless a DPU names its own (model/install-path.ts). */
  installPath?: InstallPath;
}
export type DpuFlavorResource = Resource<DpuFlavorSpec>;

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** What provisioning does to the host node while the DPU is down (DPF's node effect). */
export interface NodeEffect {
  cordon?: boolean;
  taint?: { key: string; value?: string; effect: TaintEffect };
  drain?: { timeoutSeconds?: number };
  noEffect?: boolean;
}

export interface DpuClusterBinding {
  /** A DPUCluster in the DPU's namespace. */
  name: string;
  /** Labels put on the DPU's node in the DPU cluster. */
  nodeLabels?: Record<string, string>;
}

export interface DpuResourceSpec {
  nodeName: string;
  pciAddress: string;
  bfb: string;
  flavor?: string;
  numVfs?: number;
  automaticReboot?: boolean;
  dmsPort?: number;
  nodeEffect?: NodeEffect;
  cluster?: DpuClusterBinding;
  /** `gnoi` (default, through DMS) or `redfish` (through the BMC); overrides the flavor's. */
  installPath?: InstallPath;
  /** The DPU's BMC (required on the redfish path). */
  bmc?: BmcRef;
}

export interface DpuResourceStatus {
  phase?: string;
  message?: string;
  observedGeneration?: number;
  workflowId?: string;
  workflowUrl?: string;
  conditions?: KubeCondition[];
}
export type DpuResource = Resource<DpuResourceSpec, DpuResourceStatus>;

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

/**
 * A DPUSet's template: no node, PCI address or BMC (each DPU's own). Its
 * installPath redfish needs a dpuDeviceSelector: each DPU then takes its BMC
 * block from its DPUDevice (model/dpu-device-bmc.ts). `auto` (a template's
 * only, never a DPU's) also needs one: the nodes' reported DPUs take gnoi,
 * the selected devices' redfish, and each DPU the set makes names its own
 * concrete path (controllers/dpuset-wanted.ts).
 */
export type DpuTemplateSpec = Omit<
  DpuResourceSpec,
  'nodeName' | 'pciAddress' | 'dmsPort' | 'bmc' | 'installPath'
> & {
  installPath?: InstallPath | 'auto';
};

export interface DpuSetSpec {
  nodeSelector?: LabelSelector;
  /** When set, the set's DPUs are the DPUDevices this selects (model/resources/dpu-discovery.ts), not the nodes' reports. */
  dpuDeviceSelector?: LabelSelector;
  dpuTemplate: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: DpuTemplateSpec;
  };
  strategy?: {
    type?: 'RollingUpdate' | 'OnDelete';
    rollingUpdate?: { maxUnavailable?: number | string };
  };
  failureBudget?: number;
  paused?: boolean;
  dryRun?: boolean;
}

export interface DpuSetStatus {
  observedGeneration?: number;
  dpus?: number;
  ready?: number;
  updated?: number;
  failed?: number;
  conditions?: KubeCondition[];
  rolloutWorkflowId?: string;
  rolloutWorkflowUrl?: string;
  plannedBatches?: string[][];
}
export type DpuSetResource = Resource<DpuSetSpec, DpuSetStatus>;

export interface DpuClusterSpec {
  /** `static` (default): a cluster someone made, its kubeconfig in kubeconfigSecret; `kamaji`: xpuflow makes it (dpu-cluster.ts). */
  type?: 'static' | 'kamaji';
  /** Required for `static`; for `kamaji` where the kubeconfig is written (default `<name>-kubeconfig`). */
  kubeconfigSecret?: { name: string; key?: string };
  maxNodes?: number;
  kamaji?: KamajiSettings;
}

/**
 * How xpuflow asks Kamaji for the control plane of a `kamaji` DPUCluster (the
 * fields DPF's kamaji cluster manager sets, NVIDIA/doca-platform
 * internal/clustermanager/kamaji/handler.go @ 1f6a80c0b087, and its
 * ClusterEndpointSpec.keepalived in api/provisioning/v1alpha1/dpucluster_types.go).
 */
export interface KamajiSettings {
  /** Kubernetes version of the control plane (TenantControlPlane spec.kubernetes.version), e.g. v1.31.2. */
  version: string;
  /** Kamaji DataStore (spec.dataStore); unset means Kamaji's default. */
  dataStore?: string;
  /** Control-plane replicas (spec.controlPlane.deployment.replicas), default 1. */
  replicas?: number;
  /** The load balancer in front of the control plane: a keepalived VIP on the host cluster's control-plane nodes. */
  keepalived?: {
    vip: string;
    virtualRouterID: number;
    interface: string;
    nodeSelector?: Record<string, string>;
    /** Image of the keepalived container (default osixia/keepalived:2.0.20, as DPF's manifest). */
    image?: string;
  };
}
export type DpuClusterResource = Resource<DpuClusterSpec, { phase?: string; conditions?: KubeCondition[] }>;

/** A reference to one namespaced object, as workflows carry it. */
export interface ObjectRef {
  namespace: string;
  name: string;
  uid?: string;
}

export function refOf(meta: ObjectMeta): ObjectRef {
  return { namespace: meta.namespace ?? 'default', name: meta.name, ...(meta.uid ? { uid: meta.uid } : {}) };
}
