// Original file: proto/opi/bridge_port.proto

import type { BridgePort as _opi_api_network_evpn_gw_v1alpha1_BridgePort, BridgePort__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePort__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/BridgePort';

export interface CreateBridgePortRequest {
  'bridgePortId'?: (string);
  'bridgePort'?: (_opi_api_network_evpn_gw_v1alpha1_BridgePort | null);
}

export interface CreateBridgePortRequest__Output {
  'bridgePortId': (string);
  'bridgePort': (_opi_api_network_evpn_gw_v1alpha1_BridgePort__Output | null);
}
