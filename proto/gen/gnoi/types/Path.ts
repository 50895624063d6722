// Original file: proto/gnoi/types.proto

import type { PathElem as _gnoi_types_PathElem, PathElem__Output as _gnoi_types_PathElem__Output } from './PathElem';

/**
 * Path encodes a data tree path as a series of repeated strings, with each
 * element of the path representing a data tree node name and the associated
 * attributes (gNMI Specification section 2.2.2). Used only to name the reboot
 * subcomponent xpuflow asks RebootStatus about: `CPU`, as NVIDIA DPF does.
 */
export interface Path {
  'origin'?: (string);
  'elem'?: (_gnoi_types_PathElem)[];
}

/**
 * Path encodes a data tree path as a series of repeated strings, with each
 * element of the path representing a data tree node name and the associated
 * attributes (gNMI Specification section 2.2.2). Used only to name the reboot
 * subcomponent xpuflow asks RebootStatus about: `CPU`, as NVIDIA DPF does.
 */
export interface Path__Output {
  'origin': (string);
  'elem': (_gnoi_types_PathElem__Output)[];
}
