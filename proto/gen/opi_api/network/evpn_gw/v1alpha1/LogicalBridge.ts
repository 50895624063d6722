// Original file: proto/opi/bridge_port.proto

import type { LogicalBridgeSpec as _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec, LogicalBridgeSpec__Output as _opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/LogicalBridgeSpec';

export interface LogicalBridge {
  'name'?: (string);
  'spec'?: (_opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec | null);
}

export interface LogicalBridge__Output {
  'name': (string);
  'spec': (_opi_api_network_evpn_gw_v1alpha1_LogicalBridgeSpec__Output | null);
}
