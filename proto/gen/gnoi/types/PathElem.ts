// Original file: proto/gnoi/types.proto


/**
 * PathElem encodes an element of a gNMI path with its keys.
 */
export interface PathElem {
  'name'?: (string);
  'key'?: ({[key: string]: string});
}

/**
 * PathElem encodes an element of a gNMI path with its keys.
 */
export interface PathElem__Output {
  'name': (string);
  'key': ({[key: string]: string});
}
