// Original file: proto/gnoi/system.proto

import type { Path as _gnoi_types_Path, Path__Output as _gnoi_types_Path__Output } from '../types/Path';

export interface RebootStatusRequest {
  'subcomponents'?: (_gnoi_types_Path)[];
}

export interface RebootStatusRequest__Output {
  'subcomponents': (_gnoi_types_Path__Output)[];
}
