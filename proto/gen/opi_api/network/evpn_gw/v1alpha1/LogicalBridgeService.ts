// Original file: proto/opi/bridge_port.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateLogicalBridgeRequest as _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, CreateLogicalBridgeRequest__Output as _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/CreateLogicalBridgeRequest';
import type { DeleteLogicalBridgeRequest as _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, DeleteLogicalBridgeRequest__Output as _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/DeleteLogicalBridgeRequest';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../../../google/protobuf/Empty';
import type { GetLogicalBridgeRequest as _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, GetLogicalBridgeRequest__Output as _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/GetLogicalBridgeRequest';
import type { LogicalBridge as _opi_api_network_evpn_gw_v1alpha1_LogicalBridge, LogicalBridge__Output as _opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/LogicalBridge';

export interface LogicalBridgeServiceClient extends grpc.Client {
  CreateLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  CreateLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  CreateLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  CreateLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  createLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  createLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  createLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  createLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  
  DeleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  DeleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  deleteLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  GetLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  GetLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  GetLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  GetLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  getLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  getLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  getLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  getLogicalBridge(argument: _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, callback: grpc.requestCallback<_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>): grpc.ClientUnaryCall;
  
}

export interface LogicalBridgeServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateLogicalBridge: grpc.handleUnaryCall<_opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest__Output, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge>;
  
  DeleteLogicalBridge: grpc.handleUnaryCall<_opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest__Output, _google_protobuf_Empty>;
  
  GetLogicalBridge: grpc.handleUnaryCall<_opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest__Output, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge>;
  
}

export interface LogicalBridgeServiceDefinition extends grpc.ServiceDefinition {
  CreateLogicalBridge: MethodDefinition<_opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge, _opi_api_network_evpn_gw_v1alpha1_CreateLogicalBridgeRequest__Output, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>
  DeleteLogicalBridge: MethodDefinition<_opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest, _google_protobuf_Empty, _opi_api_network_evpn_gw_v1alpha1_DeleteLogicalBridgeRequest__Output, _google_protobuf_Empty__Output>
  GetLogicalBridge: MethodDefinition<_opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge, _opi_api_network_evpn_gw_v1alpha1_GetLogicalBridgeRequest__Output, _opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output>
}
