// Original file: proto/gnoi/os.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ActivateRequest as _gnoi_os_ActivateRequest, ActivateRequest__Output as _gnoi_os_ActivateRequest__Output } from './ActivateRequest';
import type { ActivateResponse as _gnoi_os_ActivateResponse, ActivateResponse__Output as _gnoi_os_ActivateResponse__Output } from './ActivateResponse';
import type { InstallRequest as _gnoi_os_InstallRequest, InstallRequest__Output as _gnoi_os_InstallRequest__Output } from './InstallRequest';
import type { InstallResponse as _gnoi_os_InstallResponse, InstallResponse__Output as _gnoi_os_InstallResponse__Output } from './InstallResponse';
import type { VerifyRequest as _gnoi_os_VerifyRequest, VerifyRequest__Output as _gnoi_os_VerifyRequest__Output } from './VerifyRequest';
import type { VerifyResponse as _gnoi_os_VerifyResponse, VerifyResponse__Output as _gnoi_os_VerifyResponse__Output } from './VerifyResponse';

export interface OSClient extends grpc.Client {
  /**
   * Activate makes a staged version the one the target runs (for a DPU's
   * DMS: flashes it).
   */
  Activate(argument: _gnoi_os_ActivateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  Activate(argument: _gnoi_os_ActivateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  Activate(argument: _gnoi_os_ActivateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  Activate(argument: _gnoi_os_ActivateRequest, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Activate makes a staged version the one the target runs (for a DPU's
   * DMS: flashes it).
   */
  activate(argument: _gnoi_os_ActivateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  activate(argument: _gnoi_os_ActivateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  activate(argument: _gnoi_os_ActivateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  activate(argument: _gnoi_os_ActivateRequest, callback: grpc.requestCallback<_gnoi_os_ActivateResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Install transfers an OS package (a BFB, or a bf.cfg) into the target.
   */
  Install(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gnoi_os_InstallRequest, _gnoi_os_InstallResponse__Output>;
  Install(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gnoi_os_InstallRequest, _gnoi_os_InstallResponse__Output>;
  /**
   * Install transfers an OS package (a BFB, or a bf.cfg) into the target.
   */
  install(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gnoi_os_InstallRequest, _gnoi_os_InstallResponse__Output>;
  install(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gnoi_os_InstallRequest, _gnoi_os_InstallResponse__Output>;
  
  /**
   * Verify reports the running OS version.
   */
  Verify(argument: _gnoi_os_VerifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  Verify(argument: _gnoi_os_VerifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  Verify(argument: _gnoi_os_VerifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  Verify(argument: _gnoi_os_VerifyRequest, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Verify reports the running OS version.
   */
  verify(argument: _gnoi_os_VerifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  verify(argument: _gnoi_os_VerifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  verify(argument: _gnoi_os_VerifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  verify(argument: _gnoi_os_VerifyRequest, callback: grpc.requestCallback<_gnoi_os_VerifyResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface OSHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Activate makes a staged version the one the target runs (for a DPU's
   * DMS: flashes it).
   */
  Activate: grpc.handleUnaryCall<_gnoi_os_ActivateRequest__Output, _gnoi_os_ActivateResponse>;
  
  /**
   * Install transfers an OS package (a BFB, or a bf.cfg) into the target.
   */
  Install: grpc.handleBidiStreamingCall<_gnoi_os_InstallRequest__Output, _gnoi_os_InstallResponse>;
  
  /**
   * Verify reports the running OS version.
   */
  Verify: grpc.handleUnaryCall<_gnoi_os_VerifyRequest__Output, _gnoi_os_VerifyResponse>;
  
}

export interface OSDefinition extends grpc.ServiceDefinition {
  Activate: MethodDefinition<_gnoi_os_ActivateRequest, _gnoi_os_ActivateResponse, _gnoi_os_ActivateRequest__Output, _gnoi_os_ActivateResponse__Output>
  Install: MethodDefinition<_gnoi_os_InstallRequest, _gnoi_os_InstallResponse, _gnoi_os_InstallRequest__Output, _gnoi_os_InstallResponse__Output>
  Verify: MethodDefinition<_gnoi_os_VerifyRequest, _gnoi_os_VerifyResponse, _gnoi_os_VerifyRequest__Output, _gnoi_os_VerifyResponse__Output>
}
