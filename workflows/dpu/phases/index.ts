/** The provisioning phases in the order a run walks them (model/phases PROVISION_SEQUENCE, Ready aside). */
import type { ProvisionPhase } from '../context';
import { dmsDeployment } from './dms-deployment';
import { dpuClusterConfig } from './dpu-cluster-config';
import { hostNetworkConfiguration } from './host-network';
import { initializing } from './initializing';
import { nodeEffect } from './node-effect';
import { osInstalling } from './os-installing';
import { pending } from './pending';
import { rebooting } from './rebooting';

export const PROVISION_PHASES: readonly ProvisionPhase[] = [
  initializing,
  nodeEffect,
  pending,
  dmsDeployment,
  osInstalling,
  rebooting,
  hostNetworkConfiguration,
  dpuClusterConfig,
];

export { dmsDeployment, dpuClusterConfig, hostNetworkConfiguration, nodeEffect };
