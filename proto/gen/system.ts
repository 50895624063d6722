import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { RebootRequest as _gnoi_system_RebootRequest, RebootRequest__Output as _gnoi_system_RebootRequest__Output } from './gnoi/system/RebootRequest';
import type { RebootResponse as _gnoi_system_RebootResponse, RebootResponse__Output as _gnoi_system_RebootResponse__Output } from './gnoi/system/RebootResponse';
import type { RebootStatus as _gnoi_system_RebootStatus, RebootStatus__Output as _gnoi_system_RebootStatus__Output } from './gnoi/system/RebootStatus';
import type { RebootStatusRequest as _gnoi_system_RebootStatusRequest, RebootStatusRequest__Output as _gnoi_system_RebootStatusRequest__Output } from './gnoi/system/RebootStatusRequest';
import type { RebootStatusResponse as _gnoi_system_RebootStatusResponse, RebootStatusResponse__Output as _gnoi_system_RebootStatusResponse__Output } from './gnoi/system/RebootStatusResponse';
import type { SystemClient as _gnoi_system_SystemClient, SystemDefinition as _gnoi_system_SystemDefinition } from './gnoi/system/System';
import type { Path as _gnoi_types_Path, Path__Output as _gnoi_types_Path__Output } from './gnoi/types/Path';
import type { PathElem as _gnoi_types_PathElem, PathElem__Output as _gnoi_types_PathElem__Output } from './gnoi/types/PathElem';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gnoi: {
    system: {
      RebootMethod: EnumTypeDefinition
      RebootRequest: MessageTypeDefinition<_gnoi_system_RebootRequest, _gnoi_system_RebootRequest__Output>
      RebootResponse: MessageTypeDefinition<_gnoi_system_RebootResponse, _gnoi_system_RebootResponse__Output>
      RebootStatus: MessageTypeDefinition<_gnoi_system_RebootStatus, _gnoi_system_RebootStatus__Output>
      RebootStatusRequest: MessageTypeDefinition<_gnoi_system_RebootStatusRequest, _gnoi_system_RebootStatusRequest__Output>
      RebootStatusResponse: MessageTypeDefinition<_gnoi_system_RebootStatusResponse, _gnoi_system_RebootStatusResponse__Output>
      System: SubtypeConstructor<typeof grpc.Client, _gnoi_system_SystemClient> & { service: _gnoi_system_SystemDefinition }
    }
    types: {
      Path: MessageTypeDefinition<_gnoi_types_Path, _gnoi_types_Path__Output>
      PathElem: MessageTypeDefinition<_gnoi_types_PathElem, _gnoi_types_PathElem__Output>
    }
  }
}

