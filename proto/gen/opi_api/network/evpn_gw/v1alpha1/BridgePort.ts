// Original file: proto/opi/bridge_port.proto

import type { BridgePortSpec as _opi_api_network_evpn_gw_v1alpha1_BridgePortSpec, BridgePortSpec__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePortSpec__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/BridgePortSpec';
import type { BridgePortStatus as _opi_api_network_evpn_gw_v1alpha1_BridgePortStatus, BridgePortStatus__Output as _opi_api_network_evpn_gw_v1alpha1_BridgePortStatus__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/BridgePortStatus';

export interface BridgePort {
  'name'?: (string);
  'spec'?: (_opi_api_network_evpn_gw_v1alpha1_BridgePortSpec | null);
  'status'?: (_opi_api_network_evpn_gw_v1alpha1_BridgePortStatus | null);
}

export interface BridgePort__Output {
  'name': (string);
  'spec': (_opi_api_network_evpn_gw_v1alpha1_BridgePortSpec__Output | null);
  'status': (_opi_api_network_evpn_gw_v1alpha1_BridgePortStatus__Output | null);
}
