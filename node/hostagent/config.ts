/**
 * The host worker's VF settings (`--vf-config FILE`, or "vf" in a --nodes entry):
 *
 *   { "stateDir": "/var/lib/xpuflow",                   ADD records, IPAM
 *     "hostAgentSocket": "/run/xpuflow/hostagent.sock",  what xpuflow-cni calls
 *     "devicePluginDir": "/var/lib/kubelet/device-plugins",  omit to serve no device plugin
 *     "pools": [{ "name": "pool-a", "dpu": "dpu-1", "vlan": 100,
 *                 "selector": { "pfNames": ["enp3s0f0"], "vfRange": "0-7", "drivers": ["mlx5_core"] } }],
 *     "pods": { "file": "/run/xpuflow/pods.json" },    pods on this node (else the Kubernetes API
 *                                                       in-cluster, else no collection)
 *     "collectIntervalMs": 10000, "attachTimeoutMs": 600000, "pollIntervalMs": 1000 }
 */
import * as fs from 'node:fs';
import { poolProblems, type PoolConfig } from '../deviceplugin/pool';

export interface VfHostConfig {
  stateDir: string;
  hostAgentSocket: string;
  devicePluginDir?: string;
  pools: PoolConfig[];
  pods?: { file?: string };
  collectIntervalMs?: number;
  attachTimeoutMs?: number;
  /** How often device plugins look at sysfs and the kubelet socket. Default 1000. */
  pollIntervalMs?: number;
}

export const DEFAULT_STATE_DIR = '/var/lib/xpuflow';

export function vfConfigProblems(c: VfHostConfig): string[] {
  if (!c || typeof c !== 'object') return ['VF config must be a JSON object'];
  const out: string[] = [];
  if (typeof c.stateDir !== 'string' || !c.stateDir) out.push('stateDir must be a folder path');
  if (typeof c.hostAgentSocket !== 'string' || !c.hostAgentSocket)
    out.push('hostAgentSocket must be a socket path');
  if (!Array.isArray(c.pools)) out.push('pools must be a list');
  else for (const p of c.pools) out.push(...poolProblems(p));
  const names = (c.pools ?? []).map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) out.push(`pool ${dup} is configured twice`);
  return out;
}

export function readVfConfig(file: string): VfHostConfig {
  let c: VfHostConfig;
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8')) as VfHostConfig;
  } catch (err) {
    throw new Error(`VF config ${file}: ${(err as Error).message}`, { cause: err });
  }
  const problems = vfConfigProblems(c);
  if (problems.length) throw new Error(`VF config ${file}: ${problems.join('; ')}`);
  return c;
}
