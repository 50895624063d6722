// Original file: proto/hostagent/hostagent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CniReply as _xpuflow_hostagent_v1_CniReply, CniReply__Output as _xpuflow_hostagent_v1_CniReply__Output } from './CniReply';
import type { CniRequest as _xpuflow_hostagent_v1_CniRequest, CniRequest__Output as _xpuflow_hostagent_v1_CniRequest__Output } from './CniRequest';

export interface HostAgentClient extends grpc.Client {
  Cni(argument: _xpuflow_hostagent_v1_CniRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  Cni(argument: _xpuflow_hostagent_v1_CniRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  Cni(argument: _xpuflow_hostagent_v1_CniRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  Cni(argument: _xpuflow_hostagent_v1_CniRequest, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  cni(argument: _xpuflow_hostagent_v1_CniRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  cni(argument: _xpuflow_hostagent_v1_CniRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  cni(argument: _xpuflow_hostagent_v1_CniRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  cni(argument: _xpuflow_hostagent_v1_CniRequest, callback: grpc.requestCallback<_xpuflow_hostagent_v1_CniReply__Output>): grpc.ClientUnaryCall;
  
}

export interface HostAgentHandlers extends grpc.UntypedServiceImplementation {
  Cni: grpc.handleUnaryCall<_xpuflow_hostagent_v1_CniRequest__Output, _xpuflow_hostagent_v1_CniReply>;
  
}

export interface HostAgentDefinition extends grpc.ServiceDefinition {
  Cni: MethodDefinition<_xpuflow_hostagent_v1_CniRequest, _xpuflow_hostagent_v1_CniReply, _xpuflow_hostagent_v1_CniRequest__Output, _xpuflow_hostagent_v1_CniReply__Output>
}
