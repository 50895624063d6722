import type { DpuClusterBinding, NodeEffect, ObjectRef } from './resources/common';
import type { Phase, ConditionType } from './phases';
import type { DpuFlavorContent } from './dpu-flavor';
import type { BmcRef, InstallPath } from './install-path';

/** What an operator asks for: one DPU on one host, flashed with one BFB. */
export interface DpuSpec {
  /** DPU name, unique in the fleet (a DNS-1123 label), e.g. `host-1-dpu-0`. */
  name: string;
  /** The host node the DPU sits in; its host worker polls `xpuflow-host-<node>`. */
  node: string;
  /** The DPU's physical function on the host, `DDDD:BB:DD.F`. */
  pciAddress: string;
  bfb: BfbRef;
  /** gRPC address (`host:port`) of the DPU's DMS (gNOI OS/System server); unused on the redfish path. */
  dmsAddress: string;
  /** How the OS is installed: `gnoi` through DMS (default) or `redfish` through the DPU's BMC (model/install-path.ts). */
  installPath?: InstallPath;
  /** The DPU's BMC: required on the redfish path. */
  bmc?: BmcRef;
  /** SR-IOV VFs to create on the host PF in Host Network Configuration (0 to leave none). */
  numVfs: number;
  /** Reboot through DMS when the flash is done; when false, wait for an operator's signal. */
  automaticReboot: boolean;
  /** Values rendered into the bf.cfg sent to DMS with the BFB. */
  bfCfg?: BfCfgValues;
  /** Timing knobs; defaults suit real hardware. */
  timing?: Partial<ProvisionTiming>;
  /** Set when the DPU is a Kubernetes object: the cluster phases run for real and status is written back. */
  kube?: KubeBinding;
}

/** A DPU object in Kubernetes, as its flows need it. */
export interface KubeBinding {
  ref: ObjectRef;
  generation: number;
  /** Link to this DPU's lifecycle run in the Temporal UI, written into the object's status. */
  workflowUrl?: string;
  nodeEffect?: NodeEffect;
  cluster?: DpuClusterBinding;
  /** The DMS pod's port on the host node (spec.dmsAddress is `<node IP>:<port>`). */
  dmsPort: number;
  dmsImage: string;
  /** How long the DMS pod and the DPU's node in the DPU cluster may take to be Ready. */
  readyTimeoutSeconds?: number;
}

/** The DMS pod of one DPU, on its host node (a pod name: at most 63 characters). */
export function dmsPodName(dpu: string): string {
  return `dms-${dpu}`.slice(0, 63).replace(/-+$/, '');
}

export interface BfbRef {
  /** http(s) URL of the BFB bundle. */
  url: string;
  /** Expected sha256 of the file, 64 lowercase hex digits. */
  sha256: string;
}

export interface BfCfgValues {
  /** Hostname the DPU's OS takes; defaults to the DPU name. */
  hostname?: string;
  /** Crypt(3) hash for the `ubuntu` user (never a clear password). */
  ubuntuPasswordHash?: string;
  /** mlxconfig parameters applied during install, e.g. `{ SRIOV_EN: '1' }`. */
  nvconfig?: Record<string, string>;
  /** The DPU's DPUFlavor, rendered into the bf.cfg (activities/bfb/bf-cfg-flavor.ts). */
  flavor?: DpuFlavorContent;
}

export interface ProvisionTiming {
  /** How long a flash is expected to take (for progress estimates). */
  expectedFlashSeconds: number;
  /** Give up on a flash that has not finished after this long. */
  flashTimeoutSeconds: number;
  /** Give up when the DPU has not come back from a reboot after this long. */
  rebootTimeoutSeconds: number;
  /** First and largest interval between DMS status polls (backoff doubles). */
  pollInitialSeconds: number;
  pollMaxSeconds: number;
  /** How long an activity routed to a host may wait for that host's worker to pick it up. */
  hostScheduleToStartSeconds: number;
  /** Delay DMS waits before rebooting, so the caller returns first. */
  rebootDelaySeconds: number;
  /**
   * Heartbeat timeout of the long DMS calls (BFB transfer, activation): how
   * soon a worker killed mid-call is noticed and the call retried. The DMS
   * activities heartbeat every 5 s (activities/dms/session.ts), so keep it above 10.
   */
  heartbeatTimeoutSeconds: number;
  /** Start-to-close of one sysfs call on the DPU's host: how soon one on a killed host worker is retried. */
  hostCallTimeoutSeconds: number;
}

export const DEFAULT_TIMING: ProvisionTiming = {
  expectedFlashSeconds: 20 * 60,
  flashTimeoutSeconds: 90 * 60,
  rebootTimeoutSeconds: 30 * 60,
  pollInitialSeconds: 5,
  pollMaxSeconds: 60,
  hostScheduleToStartSeconds: 120,
  rebootDelaySeconds: 2,
  heartbeatTimeoutSeconds: 30,
  hostCallTimeoutSeconds: 60,
};

export function timingOf(spec: DpuSpec): ProvisionTiming {
  return { ...DEFAULT_TIMING, ...(spec.timing ?? {}) };
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface Progress {
  /** What is being done, in plain words: "flashing bf-bundle-2.9.bfb". */
  step: string;
  /** As of the workflow's last step; with startedAt and expectedSeconds a client can estimate it live. */
  percent?: number;
  /** When a step of known expected duration (a flash) began. */
  startedAt?: string;
  expectedSeconds?: number;
  bytesDone?: number;
  bytesTotal?: number;
}

export interface PhaseRecord {
  phase: Phase;
  startedAt: string;
  endedAt?: string;
  result: 'running' | 'done' | 'skipped' | 'failed';
  message?: string;
}

export interface LastError {
  phase: Phase;
  message: string;
  /** True when retrying cannot fix it without an operator's change. */
  nonRetryable: boolean;
  at: string;
}

/** What the status query returns. */
export interface DpuStatus {
  dpu: string;
  node: string;
  phase: Phase;
  conditions: Condition[];
  progress?: Progress;
  /** Set while the flow waits on a person, saying what to do. */
  waitingFor?: string;
  lastError?: LastError;
  /** Compensations done after the last failure, in the order they ran. */
  compensated: string[];
  phases: PhaseRecord[];
  /** How many times an operator restarted this DPU's flow from a phase. */
  retries: number;
}
