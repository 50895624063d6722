/** The provisioning phases in the order a run walks them (model/phases PROVISION_SEQUENCE, Ready aside). */
import type { ProvisionPhase } from '../context';
import { dmsDeployment } from './dms-deployment';
import { dmsDeploymentByPath, osInstallingByPath, rebootingByPath } from './install-path';
import { dpuClusterConfig } from './dpu-cluster-config';
import { hostNetworkConfiguration } from './host-network';
import { initializing } from './initializing';
import { nodeEffect } from './node-effect';
import { pending } from './pending';

export const PROVISION_PHASES: readonly ProvisionPhase[] = [
  initializing,
  nodeEffect,
  pending,
  // The install path (gnoi or redfish, install-path.ts) supplies these three.
  dmsDeploymentByPath,
  osInstallingByPath,
  rebootingByPath,
  hostNetworkConfiguration,
  dpuClusterConfig,
];

export { dmsDeployment, dpuClusterConfig, hostNetworkConfiguration, nodeEffect };
