/**
 * The xpuflow-cni network configuration, validated before anything is
 * contacted (IPAM plugin, host agent): a value of the wrong type, a missing
 * field or an unknown IPAM type is CNI error 7 naming the field.
 *
 *   { "cniVersion": "1.0.0", "name": "vfnet", "type": "xpuflow-cni",
 *     "resourceName": "xpuflow.io/pool-a",         the device plugin pool
 *     "deviceID": "0000:03:00.2",                   or runtimeConfig.deviceID (Multus sets it)
 *     "mtu": 9000,                                   optional
 *     "hostAgentSocket": "/run/xpuflow/hostagent.sock",  optional
 *     "ipam": { "type": "host-local", "ranges": [[{ "subnet": "10.1.0.0/24" }], [{ "subnet": "2001:db8::/64" }]],
 *               "routes": [{ "dst": "0.0.0.0/0" }] }
 *          or { "type": "static", "addresses": [{ "address": "10.1.0.5/24", "gateway": "10.1.0.1" }] }
 *          or { "type": "dhcp" } }
 * The ipam section goes, with the whole configuration, to the IPAM plugin of
 * that name (ipam-plugin.ts); ipam-config.ts checks it.
 */
import { checkPciAddress } from '../../model/validation';
import { checkPod, type PodRef } from '../../model/vf';
import { CniCode, CniError, SUPPORTED_VERSIONS } from './errors';
import { checkIpam, type IpamConfig } from './ipam-config';

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  resourceName: string;
  deviceID: string;
  mtu?: number;
  hostAgentSocket?: string;
  ipam: IpamConfig;
}

const bad = (msg: string) => new CniError(CniCode.InvalidConfig, msg);

/** Parses stdin. `forDel`: DEL must not fail on config it cannot use, so only JSON and version are checked. */
export function parseNetConf(stdin: string, opts: { forDel?: boolean } = {}): NetConf {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(stdin) as Record<string, unknown>;
  } catch (err) {
    throw new CniError(
      CniCode.DecodeFailure,
      `network config on stdin is not JSON: ${(err as Error).message}`,
    );
  }
  if (!raw || typeof raw !== 'object')
    throw new CniError(CniCode.DecodeFailure, 'network config on stdin is not a JSON object');
  const version = raw.cniVersion;
  if (typeof version !== 'string') throw bad('network config has no "cniVersion" (e.g. "1.0.0")');
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new CniError(
      CniCode.IncompatibleVersion,
      `cniVersion ${JSON.stringify(version)} is not supported: use one of ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  const runtime = (raw.runtimeConfig ?? {}) as Record<string, unknown>;
  const deviceID = (raw.deviceID ?? runtime.deviceID) as string;
  const conf = { ...raw, deviceID } as unknown as NetConf;
  if (opts.forDel) return conf;
  if (typeof raw.name !== 'string' || !raw.name)
    throw bad(`name ${JSON.stringify(raw.name)}: the network config needs a "name" (a string)`);
  if (typeof raw.resourceName !== 'string' || !raw.resourceName)
    throw bad(
      `resourceName ${JSON.stringify(raw.resourceName)}: the network config needs a "resourceName" (the device plugin pool, xpuflow.io/<pool>)`,
    );
  if (typeof deviceID !== 'string')
    throw bad(
      `deviceID ${JSON.stringify(deviceID)}: the network config needs a "deviceID" (the VF's PCI address; Multus passes the device plugin's in runtimeConfig.deviceID)`,
    );
  const pciProblem = checkPciAddress(deviceID);
  if (pciProblem) throw bad(`deviceID: ${pciProblem}`);
  if (
    raw.mtu !== undefined &&
    (!Number.isInteger(raw.mtu) || (raw.mtu as number) < 68 || (raw.mtu as number) > 65535)
  ) {
    throw bad(`mtu ${JSON.stringify(raw.mtu)} must be a whole number 68-65535`);
  }
  if (raw.hostAgentSocket !== undefined && (typeof raw.hostAgentSocket !== 'string' || !raw.hostAgentSocket))
    throw bad(`hostAgentSocket ${JSON.stringify(raw.hostAgentSocket)} must be a socket path`);
  conf.ipam = checkIpam(raw.ipam);
  return conf;
}

/** CNI_ARGS "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=n;K8S_POD_UID=u" → the pod. */
export function podFromArgs(args: string): PodRef {
  const kv = Object.fromEntries(
    (args || '')
      .split(';')
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i), p.slice(i + 1)];
      }),
  );
  const pod: PodRef = {
    namespace: kv.K8S_POD_NAMESPACE,
    name: kv.K8S_POD_NAME,
    uid: kv.K8S_POD_UID || undefined,
  };
  const problem = checkPod(pod);
  if (problem) {
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_ARGS ${JSON.stringify(args)} does not name a pod (${problem}); it needs K8S_POD_NAMESPACE and K8S_POD_NAME`,
    );
  }
  return pod;
}

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

export function checkIfname(ifname: string): void {
  if (!IFNAME.test(ifname ?? '') || ifname === '.' || ifname === '..') {
    throw new CniError(
      CniCode.InvalidEnv,
      `CNI_IFNAME ${JSON.stringify(ifname)} is not an interface name (1-15 of letters, digits, _ . -)`,
    );
  }
}
