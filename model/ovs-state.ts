/**
 * OVS state of one DPU as xpuflow wants it and as it reads it back: ports
 * (owned ones are marked in external_ids) and flows (owned ones carry a
 * cookie with xpuflow's mark in its top 16 bits). Shared by the planner, the
 * service-chain workflow and the DPU worker's OVS activities; pure data.
 */

/** external_ids on every port xpuflow owns. */
export const OWNER_KEY = 'xpuflow-owner';
export const OWNER_VALUE = 'xpuflow';
/** external_ids key naming the DPUServiceInterface (<namespace>/<name>) a port is for. */
export const RESOURCE_KEY = 'xpuflow-resource';
/**
 * external_ids keys carrying the address (with its prefix length) and the
 * gateway a DPUServiceIPAM gave the port's interface on this DPU: the chain's
 * record of where the address lives, read back by `readOvsState`.
 */
export const ADDRESS_KEY = 'xpuflow-ip';
export const GATEWAY_KEY = 'xpuflow-gateway';
/** The address keys: removed from a port whose interface no longer has an address. */
export const ADDRESS_KEYS = [ADDRESS_KEY, GATEWAY_KEY] as const;
/** The top 16 bits of every cookie of xpuflow's flows. */
export const COOKIE_MARK = 0x5cf1n;
export const COOKIE_MARK_MASK = '0xffff000000000000';

export interface DesiredPort {
  name: string;
  bridge: string;
  /** system: an existing netdev (a representor); internal: OVS makes the device. */
  type: 'system' | 'internal';
  externalIds: Record<string, string>;
}

export interface DesiredFlow {
  bridge: string;
  /** 0x + 16 hex digits. */
  cookie: string;
  priority: number;
  /** e.g. in_port=pf0vf1 */
  match: string;
  /** e.g. output:p0 */
  actions: string;
  /** <namespace>/<chain> the flow is for. */
  chain: string;
}

export interface DesiredOvs {
  bridges: string[];
  ports: DesiredPort[];
  flows: DesiredFlow[];
}

export interface ObservedPort {
  name: string;
  bridge: string;
  type: string;
  owned: boolean;
  resource?: string;
  /** The address its external_ids carry (ADDRESS_KEY), and the gateway. */
  address?: string;
  gateway?: string;
  ofport?: number;
  error?: string;
}

export interface ObservedFlow {
  bridge: string;
  cookie: string;
  priority: number;
  match: string;
  actions: string;
  owned: boolean;
}

export interface OvsState {
  ports: ObservedPort[];
  flows: ObservedFlow[];
}

export interface ReconcileOvsResult {
  /** What was changed, one line each ("added port p0 to br-sfc"); empty when all was in place. */
  changes: string[];
  /** What could not be applied and why (a representor netdev that does not exist). */
  problems: string[];
  /** Owned ports and flows after the change. */
  state: OvsState;
}

export function emptyDesired(): DesiredOvs {
  return { bridges: [], ports: [], flows: [] };
}

/** True when a cookie (0x…) carries xpuflow's mark. */
export function isOwnedCookie(cookie: string): boolean {
  try {
    return BigInt(cookie) >> 48n === COOKIE_MARK;
  } catch {
    return false;
  }
}

/** The canonical form of a flow match: its comma-separated fields sorted. */
export function canonicalMatch(match: string): string {
  return match
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort()
    .join(',');
}
