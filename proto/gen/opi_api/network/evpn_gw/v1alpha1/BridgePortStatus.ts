// Original file: proto/opi/bridge_port.proto

import type { BPOperStatus as _opi_api_network_evpn_gw_v1alpha1_BPOperStatus, BPOperStatus__Output as _opi_api_network_evpn_gw_v1alpha1_BPOperStatus__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/BPOperStatus';

export interface BridgePortStatus {
  'operStatus'?: (_opi_api_network_evpn_gw_v1alpha1_BPOperStatus);
}

export interface BridgePortStatus__Output {
  'operStatus': (_opi_api_network_evpn_gw_v1alpha1_BPOperStatus__Output);
}
