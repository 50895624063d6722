// Original file: proto/hostagent/hostagent.proto


export interface CniRequest {
  /**
   * ADD, DEL or CHECK.
   */
  'command'?: (string);
  'containerId'?: (string);
  /**
   * CNI_NETNS: a path such as /var/run/netns/NAME or /proc/PID/ns/net.
   */
  'netns'?: (string);
  'ifname'?: (string);
  /**
   * CNI_ARGS: "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=name;K8S_POD_UID=uid".
   */
  'args'?: (string);
  /**
   * The network configuration from stdin (JSON).
   */
  'configJson'?: (string);
  /**
   * ADD: the result of the IPAM plugin xpuflow-cni ran before asking (the CNI
   * delegated-plugin Success result: ips, routes, dns), to configure on the VF.
   */
  'ipamResultJson'?: (string);
}

export interface CniRequest__Output {
  /**
   * ADD, DEL or CHECK.
   */
  'command': (string);
  'containerId': (string);
  /**
   * CNI_NETNS: a path such as /var/run/netns/NAME or /proc/PID/ns/net.
   */
  'netns': (string);
  'ifname': (string);
  /**
   * CNI_ARGS: "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=name;K8S_POD_UID=uid".
   */
  'args': (string);
  /**
   * The network configuration from stdin (JSON).
   */
  'configJson': (string);
  /**
   * ADD: the result of the IPAM plugin xpuflow-cni ran before asking (the CNI
   * delegated-plugin Success result: ips, routes, dns), to configure on the VF.
   */
  'ipamResultJson': (string);
}
