/**
 * The workflow types the control worker registers (the exports of
 * workflows/index.ts), by name and by function type, so a caller outside the
 * bundle starts or signals a workflow by a typed constant:
 *
 *   client.workflow.signalWithStart<DpuLifecycleWorkflow, [DesiredDpu]>(WorkflowType.dpuLifecycle, {
 *     args: [input], signal: specChangedSignal, signalArgs: [desired], … })
 *
 * Running workflows, histories and controllers depend on these names: they
 * stay byte-identical to the function names. test/unit/workflow-types.test.ts
 * checks both the names and the function types against workflows/index.ts.
 * Pure: only types and constants, no workflow code.
 */
import type { CredentialInput } from './credential-api';
import type { DpuClusterInput } from './dpu-cluster-api';
import type { DpuStatus } from './dpu';
import type { DeleteDpuInput, DpuLifecycleInput, UpdateDpuInput } from './dpu-lifecycle-api';
import type { ProvisionDpuInput } from './dpu-provision-api';
import type { DpuServiceInput } from './dpu-service-api';
import type { DpuDeploymentInput } from './dpu-deployment-api';
import type { ApplyDiscoveryResult, DpuDiscoveryInput } from './dpu-discovery-api';
import type {
  DpuSetRolloutInput,
  DpuSetRolloutProgress,
  RolloutDpuInput,
  RolloutDpuResult,
} from './dpuset-api';
import type { ServiceChainInput } from './service-chain-api';
import type { VfLeaseInput, VfLeaseStatus } from './vf';
import type { VmClaimInput, VmClaimStatus } from './vm-claim-api';
import type { VfClaimInput } from './vf-claim-api';
import type { VfClaimStatus } from './resources/vf-claim';

export type ProvisionDpuWorkflow = (input: ProvisionDpuInput) => Promise<DpuStatus>;
export type DpuLifecycleWorkflow = (input: DpuLifecycleInput) => Promise<string>;
export type UpdateDpuWorkflow = (input: UpdateDpuInput) => Promise<DpuStatus>;
export type DeleteDpuWorkflow = (input: DeleteDpuInput) => Promise<string[]>;
export type DpuSetRolloutWorkflow = (input: DpuSetRolloutInput) => Promise<DpuSetRolloutProgress>;
export type RolloutDpuWorkflow = (input: RolloutDpuInput) => Promise<RolloutDpuResult>;
export type VfLeaseWorkflow = (input: VfLeaseInput) => Promise<VfLeaseStatus>;
export type VmClaimWorkflow = (input: VmClaimInput) => Promise<VmClaimStatus>;
export type ServiceChainWorkflow = (input: ServiceChainInput) => Promise<string>;
/** The credential flow, registered under its first name, serviceCredential. */
export type CredentialWorkflow = (input: CredentialInput) => Promise<string>;
export type DpuServiceWorkflow = (input: DpuServiceInput) => Promise<string>;
export type VfClaimWorkflow = (input: VfClaimInput) => Promise<VfClaimStatus>;
export type DpuDiscoveryWorkflow = (input: DpuDiscoveryInput) => Promise<ApplyDiscoveryResult>;
export type DpuClusterWorkflow = (input: DpuClusterInput) => Promise<string>;
export type DpuDeploymentWorkflow = (input: DpuDeploymentInput) => Promise<string>;

/** Each registered workflow type's function type, by its name. */
export interface WorkflowFunctions {
  provisionDpu: ProvisionDpuWorkflow;
  dpuLifecycle: DpuLifecycleWorkflow;
  updateDpu: UpdateDpuWorkflow;
  deleteDpu: DeleteDpuWorkflow;
  dpusetRollout: DpuSetRolloutWorkflow;
  rolloutDpu: RolloutDpuWorkflow;
  vfLease: VfLeaseWorkflow;
  vmClaim: VmClaimWorkflow;
  serviceChain: ServiceChainWorkflow;
  serviceCredential: CredentialWorkflow;
  dpuService: DpuServiceWorkflow;
  dpuDiscovery: DpuDiscoveryWorkflow;
  dpuCluster: DpuClusterWorkflow;
  vfClaim: VfClaimWorkflow;
  dpuDeployment: DpuDeploymentWorkflow;
}

export type WorkflowTypeName = keyof WorkflowFunctions;

/** The registered workflow type names: `WorkflowType.vfLease === 'vfLease'`. */
export const WorkflowType: { readonly [K in WorkflowTypeName]: K } = {
  provisionDpu: 'provisionDpu',
  dpuLifecycle: 'dpuLifecycle',
  updateDpu: 'updateDpu',
  deleteDpu: 'deleteDpu',
  dpusetRollout: 'dpusetRollout',
  rolloutDpu: 'rolloutDpu',
  vfLease: 'vfLease',
  vmClaim: 'vmClaim',
  serviceChain: 'serviceChain',
  serviceCredential: 'serviceCredential',
  dpuService: 'dpuService',
  dpuDiscovery: 'dpuDiscovery',
  dpuCluster: 'dpuCluster',
  vfClaim: 'vfClaim',
  dpuDeployment: 'dpuDeployment',
};
