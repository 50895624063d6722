// Original file: proto/opi/bridge_port.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BridgePort as _opi_api_network_evpn_gw_v1alpha1_BridgePort, BridgePort__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePort__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/BridgePort';
import type { CreateBridgePortRequest as _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, CreateBridgePortRequest__Output as _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/CreateBridgePortRequest';
import type { DeleteBridgePortRequest as _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, DeleteBridgePortRequest__Output as _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/DeleteBridgePortRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../../../google/protobuf/Empty';
import type { GetBridgePortRequest as _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, GetBridgePortRequest__Output as _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/GetBridgePortRequest';

export interface BridgePortServiceClient extends grpc.Client {
  CreateBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  CreateBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  CreateBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  CreateBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  createBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  createBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  createBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  createBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  
  DeleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  GetBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  GetBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  GetBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  GetBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  getBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  getBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  getBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  getBridgePort(argument: _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>): grpc.ClientUnaryCall;
  
}

export interface BridgePortServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateBridgePort: grpc.handleUnaryCall<_opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest__Output, _opi_api_network_evpn_gw_v1alpha1_BridgePort>;
  
  DeleteBridgePort: grpc.handleUnaryCall<_opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest__Output, _google_protobuf_Empty>;
  
  GetBridgePort: grpc.handleUnaryCall<_opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest__Output, _opi_api_network_evpn_gw_v1alpha1_BridgePort>;
  
}

export interface BridgePortServiceDefinition extends grpc.ServiceDefinition {
  CreateBridgePort: MethodDefinition<_opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest, _opi_api_network_evpn_gw_v1alpha1_BridgePort, _opi_api_network_evpn_gw_v1alpha1_CreateBridgePortRequest__Output, _opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>
  DeleteBridgePort: MethodDefinition<_opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest, _google_protobuf_Empty, _opi_api_network_evpn_gw_v1alpha1_DeleteBridgePortRequest__Output, _google_protobuf_Empty__Output>
  GetBridgePort: MethodDefinition<_opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest, _opi_api_network_evpn_gw_v1alpha1_BridgePort, _opi_api_network_evpn_gw_v1alpha1_GetBridgePortRequest__Output, _opi_api_network_evpn_gw_v1alpha1_BridgePort__Output>
}
