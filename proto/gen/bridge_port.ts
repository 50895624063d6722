import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty';
import type { BridgePort as _opi_api_network_evpn_gw_v1alpha1_BridgePort, BridgePort__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePort__Output } from './opi_api/network/evpn_gw/v1alpha1/BridgePort';
import type { BridgePortServiceClient as _opi_api_network_evpn_gw_v1alpha1_BridgePortServiceClient, BridgePortServiceDefinition as _opi_api_network_evpn_gw_v1alpha1_BridgePortServiceDefinition } from './opi_api/network/evpn_gw/v1alpha1/BridgePortService';
import type { BridgePortSpec as _opi_api_network_evpn_gw_v1alpha1_BridgePortSpec, BridgePortSpec__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePortSpec__Output } from './opi_api/network/evpn_gw/v1alpha1/BridgePortSpec';
import type { BridgePortStatus as _opi_api_network_evpn_gw_v1alpha1_BridgePortStatus, BridgePortStatus__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePortStatus__Output } from './opi_api/network/evpn_gw/v1alpha1/BridgePortStatus';
import type { CreateBridgePortRequest as _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, CreateBridgePortRequest__Output as _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest__Output } from './opi_api/network/evpn_gw/v1alpha1/CreateBridgePortRequest';
import type { CreateLogicalBridgeRequest as _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, CreateLogicalBridgeRequest__Output as _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest__Output } from './opi_api/network/evpn_gw/v1alpha1/CreateLogicalBridgeRequest';
import type { DeleteBridgePortRequest as _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, DeleteBridgePortRequest__Output as _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest__Output } from './opi_api/network/evpn_gw/v1alpha1/DeleteBridgePortRequest';
import type { DeleteLogicalBridgeRequest as _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, DeleteLogicalBridgeRequest__Output as _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest__Output } from './opi_api/network/evpn_gw/v1alpha1/DeleteLogicalBridgeRequest';
import type { GetBridgePortRequest as _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, GetBridgePortRequest__Output as _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest__Output } from './opi_api/network/evpn_gw/v1alpha1/GetBridgePortRequest';
import type { GetLogicalBridgeRequest as _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, GetLogicalBridgeRequest__Output as _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest__Output } from './opi_api/network/evpn_gw/v1alpha1/GetLogicalBridgeRequest';
import type { LogicalBridge as _opi_api_network_evpn_gw_v1alpha1_LogicalBridge, LogicalBridge__Output as _opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output } from './opi_api/network/evpn_gw/v1alpha1/LogicalBridge';
import type { LogicalBridgeServiceClient as _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeServiceClient, LogicalBridgeServiceDefinition as _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeServiceDefinition } from './opi_api/network/evpn_gw/v1alpha1/LogicalBridgeService';
import type { LogicalBridgeSpec as _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec, LogicalBridgeSpec__Output as _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec__Output } from './opi_api/network/evpn_gw/v1alpha1/LogicalBridgeSpec';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Empty: MessageTypeDefinition<_google_protobuf_Empty, _google_protobuf_Empty__Output>
    }
  }
  opi_api: {
    network: {
      evpn_gw: {
        v1alpha1: {
          BPOperStatus: EnumTypeDefinition
          BridgePort: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_BridgePort, _opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>
          BridgePortService: SubtypeConstructor<typeof grpc.Client, _opi_api_network_evpn_gw_v1alpha1_BridgePortServiceClient> & { service: _opi_api_network_evpn_gw_v1alpha1_BridgePortServiceDefinition }
          BridgePortSpec: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_BridgePortSpec, _opi_api_network_evpn_gw_v1alpha1_BridgePortSpec__Output>
          BridgePortStatus: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_BridgePortStatus, _opi_api_network_evpn_gw_v1alpha1_BridgePortStatus__Output>
          BridgePortType: EnumTypeDefinition
          CreateBridgePortRequest: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest__Output>
          CreateLogicalBridgeRequest: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest__Output>
          DeleteBridgePortRequest: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest__Output>
          DeleteLogicalBridgeRequest: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest__Output>
          GetBridgePortRequest: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest__Output>
          GetLogicalBridgeRequest: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest__Output>
          LogicalBridge: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>
          LogicalBridgeService: SubtypeConstructor<typeof grpc.Client, _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeServiceClient> & { service: _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeServiceDefinition }
          LogicalBridgeSpec: MessageTypeDefinition<_opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec, _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec__Output>
        }
      }
    }
  }
}

