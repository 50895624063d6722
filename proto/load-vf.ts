/**
 * Loads the protos of the VF attach flow with the same loader options as the
 * gNOI ones (see load.ts): the kubelet device plugin API v1beta1, the OPI
 * BridgePort/LogicalBridge subset and xpuflow's host agent. Types come from
 * proto/gen (regenerate with `npm run proto:gen`).
 */
import * as path from 'node:path';
import type { ProtoGrpcType as DevicePluginProto } from './gen/api';
import type { ProtoGrpcType as OpiProto } from './gen/bridge_port';
import type { ProtoGrpcType as HostAgentProto } from './gen/hostagent';
import { embeddedProto, loadProtoText } from './load-embedded';
import { loadProtoPackage } from './load';

export type { DevicePluginHandlers, DevicePluginClient } from './gen/v1beta1/DevicePlugin';
export type { RegistrationHandlers, RegistrationClient } from './gen/v1beta1/Registration';
export type { Device } from './gen/v1beta1/Device';
export type { AllocateResponse } from './gen/v1beta1/AllocateResponse';
export type { ContainerAllocateResponse } from './gen/v1beta1/ContainerAllocateResponse';
export type { ListAndWatchResponse__Output } from './gen/v1beta1/ListAndWatchResponse';
export type { AllocateResponse__Output } from './gen/v1beta1/AllocateResponse';
export type { RegisterRequest__Output } from './gen/v1beta1/RegisterRequest';
export type {
  BridgePortServiceHandlers,
  BridgePortServiceClient,
} from './gen/opi_api/network/evpn_gw/v1alpha1/BridgePortService';
export type {
  LogicalBridgeServiceHandlers,
  LogicalBridgeServiceClient,
} from './gen/opi_api/network/evpn_gw/v1alpha1/LogicalBridgeService';
export type { BridgePort, BridgePort__Output } from './gen/opi_api/network/evpn_gw/v1alpha1/BridgePort';
export type { LogicalBridge__Output } from './gen/opi_api/network/evpn_gw/v1alpha1/LogicalBridge';
export type { HostAgentHandlers, HostAgentClient } from './gen/xpuflow/hostagent/v1/HostAgent';
export type { CniRequest, CniRequest__Output } from './gen/xpuflow/hostagent/v1/CniRequest';
export type { CniReply, CniReply__Output } from './gen/xpuflow/hostagent/v1/CniReply';

let dp: DevicePluginProto | undefined;
let opi: OpiProto | undefined;
let agent: HostAgentProto | undefined;

/** The kubelet's v1beta1 package: Registration and DevicePlugin. */
export function devicePluginApi(): DevicePluginProto['v1beta1'] {
  dp ??= loadProtoPackage('kubelet/deviceplugin/v1beta1/api.proto') as unknown as DevicePluginProto;
  return dp.v1beta1;
}

/** OPI's opi_api.network.evpn_gw.v1alpha1 package (the subset in proto/opi). */
export function opiEvpnApi(): OpiProto['opi_api']['network']['evpn_gw']['v1alpha1'] {
  opi ??= loadProtoPackage('opi/bridge_port.proto') as unknown as OpiProto;
  return opi.opi_api.network.evpn_gw.v1alpha1;
}

/** xpuflow.hostagent.v1: what xpuflow-cni asks of the host worker. */
export function hostAgentApi(): HostAgentProto['xpuflow']['hostagent']['v1'] {
  if (!agent) {
    // Inside the xpuflow-cni single executable the proto is embedded (load-embedded.ts).
    const embedded = embeddedProto('hostagent/hostagent.proto');
    agent = (embedded === undefined
      ? loadProtoPackage('hostagent/hostagent.proto')
      : loadProtoText(embedded)) as unknown as HostAgentProto;
  }
  return agent.xpuflow.hostagent.v1;
}

/** `unix:///abs/path` for grpc-js (absolute paths only). */
export function unixTarget(socketPath: string): string {
  return `unix://${path.resolve(socketPath)}`;
}
