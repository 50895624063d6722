// Original file: proto/opi/bridge_port.proto

import type { LogicalBridge as _opi_api_network_evpn_gw_v1alpha1_LogicalBridge, LogicalBridge__Output as _opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output } from '../../../../opi_api/network/evpn_gw/v1alpha1/LogicalBridge';

export interface CreateLogicalBridgeRequest {
  'logicalBridgeId'?: (string);
  'logicalBridge'?: (_opi_api_network_evpn_gw_v1alpha1_LogicalBridge | null);
}

export interface CreateLogicalBridgeRequest__Output {
  'logicalBridgeId': (string);
  'logicalBridge': (_opi_api_network_evpn_gw_v1alpha1_LogicalBridge__Output | null);
}
