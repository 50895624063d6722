import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Path as _gnoi_types_Path, Path__Output as _gnoi_types_Path__Output } from './gnoi/types/Path';
import type { PathElem as _gnoi_types_PathElem, PathElem__Output as _gnoi_types_PathElem__Output } from './gnoi/types/PathElem';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gnoi: {
    types: {
      Path: MessageTypeDefinition<_gnoi_types_Path, _gnoi_types_Path__Output>
      PathElem: MessageTypeDefinition<_gnoi_types_PathElem, _gnoi_types_PathElem__Output>
    }
  }
}

