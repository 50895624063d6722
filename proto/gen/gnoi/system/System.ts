// Original file: proto/gnoi/system.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RebootRequest as _gnoi_system_RebootRequest, RebootRequest__Output as _gnoi_system_RebootRequest__Output } from './RebootRequest';
import type { RebootResponse as _gnoi_system_RebootResponse, RebootResponse__Output as _gnoi_system_RebootResponse__Output } from './RebootResponse';
import type { RebootStatusRequest as _gnoi_system_RebootStatusRequest, RebootStatusRequest__Output as _gnoi_system_RebootStatusRequest__Output } from './RebootStatusRequest';
import type { RebootStatusResponse as _gnoi_system_RebootStatusResponse, RebootStatusResponse__Output as _gnoi_system_RebootStatusResponse__Output } from './RebootStatusResponse';

export interface SystemClient extends grpc.Client {
  /**
   * Reboot causes the target to reboot, possibly at some point in the future.
   */
  Reboot(argument: _gnoi_system_RebootRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  Reboot(argument: _gnoi_system_RebootRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  Reboot(argument: _gnoi_system_RebootRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  Reboot(argument: _gnoi_system_RebootRequest, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reboot causes the target to reboot, possibly at some point in the future.
   */
  reboot(argument: _gnoi_system_RebootRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  reboot(argument: _gnoi_system_RebootRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  reboot(argument: _gnoi_system_RebootRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  reboot(argument: _gnoi_system_RebootRequest, callback: grpc.requestCallback<_gnoi_system_RebootResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * RebootStatus returns the status of reboot for the target.
   */
  RebootStatus(argument: _gnoi_system_RebootStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  RebootStatus(argument: _gnoi_system_RebootStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  RebootStatus(argument: _gnoi_system_RebootStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  RebootStatus(argument: _gnoi_system_RebootStatusRequest, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * RebootStatus returns the status of reboot for the target.
   */
  rebootStatus(argument: _gnoi_system_RebootStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  rebootStatus(argument: _gnoi_system_RebootStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  rebootStatus(argument: _gnoi_system_RebootStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  rebootStatus(argument: _gnoi_system_RebootStatusRequest, callback: grpc.requestCallback<_gnoi_system_RebootStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface SystemHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Reboot causes the target to reboot, possibly at some point in the future.
   */
  Reboot: grpc.handleUnaryCall<_gnoi_system_RebootRequest__Output, _gnoi_system_RebootResponse>;
  
  /**
   * RebootStatus returns the status of reboot for the target.
   */
  RebootStatus: grpc.handleUnaryCall<_gnoi_system_RebootStatusRequest__Output, _gnoi_system_RebootStatusResponse>;
  
}

export interface SystemDefinition extends grpc.ServiceDefinition {
  Reboot: MethodDefinition<_gnoi_system_RebootRequest, _gnoi_system_RebootResponse, _gnoi_system_RebootRequest__Output, _gnoi_system_RebootResponse__Output>
  RebootStatus: MethodDefinition<_gnoi_system_RebootStatusRequest, _gnoi_system_RebootStatusResponse, _gnoi_system_RebootStatusRequest__Output, _gnoi_system_RebootStatusResponse__Output>
}
