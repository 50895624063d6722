// Original file: proto/opi/bridge_port.proto

import type { BridgePortType as _opi_api_network_evpn_gw_v1alpha1_BridgePortType, BridgePortType__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePortType__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/BridgePortType';

export interface BridgePortSpec {
  'macAddress'?: (Buffer | Uint8Array | string);
  'ptype'?: (_opi_api_network_evpn_gw_v1alpha1_BridgePortType);
  'logicalBridges'?: (string)[];
}

export interface BridgePortSpec__Output {
  'macAddress': (Buffer);
  'ptype': (_opi_api_network_evpn_gw_v1alpha1_BridgePortType__Output);
  'logicalBridges': (string)[];
}
