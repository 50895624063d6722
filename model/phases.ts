/**
 * Provisioning phases, named as NVIDIA's DOCA Platform Framework names them, and
 * the condition types a DPU's status carries. Shared by workflows, activities,
 * the CLI and (later) the Kubernetes controllers.
 */
export const Phase = {
  Initializing: 'Initializing',
  NodeEffect: 'Node Effect',
  Pending: 'Pending',
  DmsDeployment: 'DMS Deployment',
  OsInstalling: 'OS Installing',
  Rebooting: 'Rebooting',
  HostNetworkConfiguration: 'Host Network Configuration',
  DpuClusterConfig: 'DPU Cluster Config',
  Ready: 'Ready',
  Error: 'Error',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** The phases a provisioning run walks through, in order. */
export const PROVISION_SEQUENCE: readonly Phase[] = [
  Phase.Initializing,
  Phase.NodeEffect,
  Phase.Pending,
  Phase.DmsDeployment,
  Phase.OsInstalling,
  Phase.Rebooting,
  Phase.HostNetworkConfiguration,
  Phase.DpuClusterConfig,
  Phase.Ready,
];

/** Phases an operator may restart a failed run from. */
export const RETRYABLE_FROM: readonly Phase[] = PROVISION_SEQUENCE.filter((p) => p !== Phase.Ready);

/** Parses a phase name as an operator types it: case-insensitive, spaces, dashes or none. */
export function parsePhase(value: string): Phase | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, '');
  return (Object.values(Phase) as Phase[]).find((p) => norm(p) === norm(value));
}

export const ConditionType = {
  Initialized: 'Initialized',
  NodeEffectApplied: 'NodeEffectApplied',
  BfbReady: 'BFBReady',
  DmsReady: 'DMSReady',
  OsInstalled: 'OSInstalled',
  Rebooted: 'Rebooted',
  HostNetworkConfigured: 'HostNetworkConfigured',
  DpuClusterJoined: 'DPUClusterJoined',
  Ready: 'Ready',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** The condition each phase sets when it finishes. */
export const PHASE_CONDITION: Partial<Record<Phase, ConditionType>> = {
  [Phase.Initializing]: ConditionType.Initialized,
  [Phase.NodeEffect]: ConditionType.NodeEffectApplied,
  [Phase.Pending]: ConditionType.BfbReady,
  [Phase.DmsDeployment]: ConditionType.DmsReady,
  [Phase.OsInstalling]: ConditionType.OsInstalled,
  [Phase.Rebooting]: ConditionType.Rebooted,
  [Phase.HostNetworkConfiguration]: ConditionType.HostNetworkConfigured,
  [Phase.DpuClusterConfig]: ConditionType.DpuClusterJoined,
  [Phase.Ready]: ConditionType.Ready,
};
