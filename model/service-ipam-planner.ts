/**
 * The next ledger of a DPUServiceIPAM, from the one in its status: pure, so
 * the controller can compute it again from a fresh read whenever its write
 * loses a resourceVersion race (the API server serializes the writes; see
 * README "Service IPAM").
 *
 *   a node keeps its block while it is selected or has addresses on it;
 *   new nodes get the lowest free blocks, all or none: a pool too small for
 *   its nodes hands out no new block and says so with the numbers;
 *   an interface keeps its address on a node while it asks for one there;
 *   an address is freed only when the caller confirmed the interface gone
 *   (`released`), and new interfaces get the lowest free address of their
 *   node's block, never the gateway, never one in the ledger.
 */
import { parseIp } from './ip-cidr';
import { blockCapacity, type Block, type IpamPool } from './service-ipam-pool';
import type { IpamAllocation, IpamNodeBlock } from './resources/service-ipam';

export interface Ledger {
  nodes: IpamNodeBlock[];
  allocations: IpamAllocation[];
}

export interface AddressRequest {
  interface: string;
  uid: string;
  node: string;
}

export interface IpamPlanInput {
  ipam: string;
  pool: IpamPool;
  current: Ledger;
  /** The DPU nodes the IPAM selects. */
  nodes: Array<{ node: string; dpu: string }>;
  requests: AddressRequest[];
  /** `<uid>@<node>` of allocations whose interface is confirmed gone from that node. */
  released: ReadonlySet<string>;
}

export interface IpamPlan {
  ledger: Ledger;
  /** The pool cannot give every selected node a block (nothing new was handed out). */
  tooSmall?: string;
  /** Requests left without an address, and why. */
  unserved: Array<AddressRequest & { message: string }>;
}

export const allocationKey = (a: { uid: string; node: string }): string => `${a.uid}@${a.node}`;

export function planIpam(input: IpamPlanInput): IpamPlan {
  const { pool } = input;
  const wanted = new Set(input.requests.map(allocationKey));
  const allocations = input.current.allocations.filter(
    (a) => wanted.has(allocationKey(a)) || !input.released.has(allocationKey(a)),
  );
  const selected = new Map(input.nodes.map((n) => [n.node, n.dpu]));
  const inUse = new Set(allocations.map((a) => a.node));
  const nodes = input.current.nodes.filter((n) => selected.has(n.node) || inUse.has(n.node));

  const blocks = new Map<string, Block>();
  const taken = new Set<bigint>();
  for (const n of nodes) {
    const b = pool.blockOf(n.block);
    if (!b) continue;
    blocks.set(n.node, b);
    taken.add(b.index);
  }
  const newcomers = input.nodes.filter((n) => !blocks.has(n.node)).sort((a, b) => cmp(a.node, b.node));
  const free = pool.blockCount - BigInt(taken.size);
  let tooSmall: string | undefined;
  if (BigInt(newcomers.length) > free) {
    tooSmall =
      `${pool.describe} splits into ${pool.blockCount} ${pool.blockUnit}, ${free} free; ` +
      `${newcomers.length} more DPU nodes need one each (${input.nodes.length} selected in all): ` +
      `use a larger network, or fewer addresses per node`;
  } else {
    let next = 0n;
    for (const n of newcomers) {
      while (taken.has(next)) next++;
      const b = pool.block(next);
      taken.add(next);
      blocks.set(n.node, b);
      const gateway = pool.gatewayText(b);
      nodes.push({ node: n.node, dpu: n.dpu, block: b.text, ...(gateway ? { gateway } : {}) });
    }
  }

  const unserved: IpamPlan['unserved'] = [];
  const have = new Set(allocations.map(allocationKey));
  const used = new Map<string, Set<bigint>>();
  for (const a of allocations) {
    const v = addressValue(a.address, pool);
    if (v !== undefined) (used.get(a.node) ?? used.set(a.node, new Set()).get(a.node)!).add(v);
  }
  const ordered = [...input.requests].sort((a, b) => cmp(a.interface, b.interface) || cmp(a.node, b.node));
  for (const r of ordered) {
    if (have.has(allocationKey(r))) continue;
    const b = blocks.get(r.node);
    if (!b) {
      unserved.push({
        ...r,
        message: selected.has(r.node)
          ? `DPUServiceIPAM ${input.ipam} has no block for node ${r.node}: ${tooSmall ?? 'the pool is full'}`
          : `DPU node ${r.node} is not selected by DPUServiceIPAM ${input.ipam}'s dpuSelector`,
      });
      continue;
    }
    const mine = used.get(r.node) ?? used.set(r.node, new Set()).get(r.node)!;
    const v = lowestFree(b, mine);
    if (v === undefined) {
      unserved.push({
        ...r,
        message: `node ${r.node}'s block ${b.text} of DPUServiceIPAM ${input.ipam} is full (${blockCapacity(b)} addresses in use): give nodes more addresses or release some`,
      });
      continue;
    }
    mine.add(v);
    have.add(allocationKey(r));
    allocations.push({ interface: r.interface, uid: r.uid, node: r.node, address: pool.addressText(v) });
  }
  nodes.sort((a, b) => cmp(a.node, b.node));
  allocations.sort((a, b) => cmp(a.node, b.node) || cmp(a.interface, b.interface) || cmp(a.uid, b.uid));
  return { ledger: { nodes, allocations }, ...(tooSmall ? { tooSmall } : {}), unserved };
}

function lowestFree(b: Block, used: Set<bigint>): bigint | undefined {
  for (let v = b.first; v <= b.last; v++) if (v !== b.gateway && !used.has(v)) return v;
  return undefined;
}

/** The address part of a ledger entry (`10.0.1.2/28`), when it is of the pool's family. */
function addressValue(address: string, pool: IpamPool): bigint | undefined {
  const ip = parseIp(address.split('/')[0]);
  return ip && ip.family === pool.family ? ip.value : undefined;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The same ledger (status gives lists back in our order: we sort before writing). */
export function sameLedger(a: Ledger, b: Ledger): boolean {
  const n = (x: IpamNodeBlock) => `${x.node}|${x.dpu}|${x.block}|${x.gateway ?? ''}`;
  const l = (x: IpamAllocation) => `${x.interface}|${x.uid}|${x.node}|${x.address}`;
  return (
    a.nodes.map(n).join(',') === b.nodes.map(n).join(',') &&
    a.allocations.map(l).join(',') === b.allocations.map(l).join(',')
  );
}
