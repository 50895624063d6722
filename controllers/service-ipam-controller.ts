/**
 * Service IPAM controller: gives each DPU node a DPUServiceIPAM selects a
 * share of its pool and each DPUServiceInterface naming it (spec.ipam.name)
 * an address on every DPU node the interface is on.
 *
 * The ledger is the IPAM object's status (status.nodes, status.allocations)
 * and nothing else, so a restarted controller reads back exactly what was
 * handed out. Every change is one merge patch of the status carrying the
 * resourceVersion it was computed from: the API server refuses it with 409
 * Conflict when another writer (a second controller during a leader
 * hand-over, a reconcile racing itself) got in first, and the reconcile
 * reads again and plans again (model/service-ipam-planner.ts). An address is
 * published to an interface only after the ledger holding it was written,
 * so two interfaces can never be shown the same address.
 *
 *   IPAM, interface or DPU changes ─▶ read the IPAM (fresh) ─▶ pool valid?
 *     no overlap with an older IPAM? ─▶ plan ─▶ patch status @resourceVersion
 *     (409: again) ─▶ interfaces' status.addresses from the ledger
 *
 * An address is freed only once a live read confirms its interface gone
 * (deleted, recreated under a new UID, naming another IPAM, or off that
 * DPU): a cache that has not caught up never frees one still in use.
 *
 * A finalizer holds a deleted IPAM while interfaces hold its addresses
 * (Ready reason InUse names them); an interface naming an IPAM that does not
 * exist gets a status.addresses row saying so, and its port waits for it
 * (model/service-chain-planner.ts).
 */
import { setCondition } from '../model/resources/conditions';
import { matchesSelector } from '../model/resources/label-selector';
import { refOf, type DpuResource, type KubeCondition } from '../model/resources/common';
import type { DpuServiceInterfaceResource } from '../model/resources/service-chain';
import {
  IPAM_FINALIZER,
  type DpuServiceIpamResource,
  type InterfaceAddress,
  type IpamAllocation,
} from '../model/resources/service-ipam';
import { cidrsOverlap } from '../model/ip-cidr';
import { poolOf, type IpamPool } from '../model/service-ipam-pool';
import {
  allocationKey,
  planIpam,
  sameLedger,
  type AddressRequest,
  type IpamPlan,
  type Ledger,
} from '../model/service-ipam-planner';
import { dpuClusterNodeName } from '../model/dpu-cluster-node';
import { statusCode, unlessNotFound, type Kube } from '../platform/kube/client';
import { patchStatusAt } from './status-at-version';
import { addFinalizer } from './object-workflow';

export interface IpamLookups {
  ipams(namespace: string): DpuServiceIpamResource[];
  interfaces(
    namespace: string,
  ): Array<DpuServiceInterfaceResource & { status?: { addresses?: InterfaceAddress[] } }>;
  dpus(namespace: string): DpuResource[];
}

/** How often a reconcile reads again after losing a resourceVersion race before the work queue backs off. */
const CONFLICT_ATTEMPTS = 10;

type Cond = Omit<KubeCondition, 'lastTransitionTime'>;

export class IpamController {
  constructor(
    private readonly kube: Kube,
    private readonly look: IpamLookups,
    private readonly log: (line: string) => void,
  ) {}

  async reconcile(namespace: string, name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.once(namespace, name);
        return;
      } catch (err) {
        if (statusCode(err) !== 409 || attempt >= CONFLICT_ATTEMPTS) throw err;
      }
    }
  }

  private async once(namespace: string, name: string): Promise<void> {
    // A fresh read, not the cache: the plan must start from the resourceVersion it is written against.
    const ipam = await this.kube.get<DpuServiceIpamResource>('DPUServiceIPAM', { namespace, name });
    if (!ipam) return this.missing(namespace, name);
    const current: Ledger = { nodes: ipam.status?.nodes ?? [], allocations: ipam.status?.allocations ?? [] };
    if (ipam.metadata.deletionTimestamp) return this.deleting(ipam, current);
    // Changed the object: its update event queues the next reconcile, from the new resourceVersion.
    if (await addFinalizer(this.kube, 'DPUServiceIPAM', ipam.metadata, IPAM_FINALIZER)) return;
    const generation = ipam.metadata.generation ?? 1;
    const pool = poolOf(ipam.spec);
    if ('error' in pool) {
      await this.write(ipam, current, invalid('Invalid', pool.error, generation));
      return;
    }
    const overlap = this.overlapping(namespace, ipam, pool);
    if (overlap) {
      await this.write(ipam, current, invalid('Overlapping', overlap, generation));
      return;
    }

    const dpus = this.look.dpus(namespace).filter((d) => !d.metadata.deletionTimestamp);
    const nodeOf = (d: DpuResource) => dpuClusterNodeName(namespace, d.metadata.name);
    const nodes = dpus
      .filter((d) => matchesSelector(ipam.spec.dpuSelector, d.metadata.labels))
      .map((d) => ({ node: nodeOf(d), dpu: d.metadata.name }));
    const interfaces = this.look.interfaces(namespace).filter((i) => i.spec.ipam?.name === name);
    const onDpus = (i: DpuServiceInterfaceResource) =>
      dpus.filter((d) => matchesSelector(i.spec.dpuSelector, d.metadata.labels));
    const requests: AddressRequest[] = interfaces.flatMap((i) =>
      onDpus(i).map((d) => ({ interface: i.metadata.name, uid: i.metadata.uid ?? '', node: nodeOf(d) })),
    );
    const released = await this.confirmGone(namespace, name, current.allocations, requests, dpus);
    const plan = planIpam({ ipam: name, pool, current, nodes, requests, released });
    await this.write(ipam, plan.ledger, readiness(plan, generation));

    for (const i of interfaces) {
      const rows = onDpus(i).map((d) => addressRow(name, pool, plan, i, d.metadata.name, nodeOf(d)));
      await this.publish(i, rows);
    }
  }

  /** Interfaces naming an IPAM that does not exist are told so on every DPU they are on, and wait. */
  private async missing(namespace: string, name: string): Promise<void> {
    const interfaces = this.look.interfaces(namespace).filter((i) => i.spec.ipam?.name === name);
    if (interfaces.length === 0) return;
    const dpus = this.look.dpus(namespace).filter((d) => !d.metadata.deletionTimestamp);
    const message = `DPUServiceIPAM ${namespace}/${name} does not exist: create it or fix spec.ipam.name`;
    for (const i of interfaces) {
      const rows = dpus
        .filter((d) => matchesSelector(i.spec.dpuSelector, d.metadata.labels))
        .map((d) => ({
          dpu: d.metadata.name,
          node: dpuClusterNodeName(namespace, d.metadata.name),
          ipam: name,
          message,
        }));
      await this.publish(i, rows);
    }
  }

  /**
   * A DPUServiceIPAM being deleted hands nothing new out and keeps its
   * finalizer while a live interface holds one of its addresses, saying which
   * in Ready (reason InUse); once none does, the finalizer goes and so does it.
   */
  private async deleting(ipam: DpuServiceIpamResource, current: Ledger): Promise<void> {
    const { namespace = '', name } = ipam.metadata;
    const i = (ipam.metadata.finalizers ?? []).indexOf(IPAM_FINALIZER);
    if (i < 0) return;
    const dpus = this.look.dpus(namespace).filter((d) => !d.metadata.deletionTimestamp);
    const released = await this.confirmGone(namespace, name, current.allocations, [], dpus);
    const held = current.allocations.filter((a) => !released.has(allocationKey(a)));
    if (held.length === 0) {
      await this.kube.jsonPatch('DPUServiceIPAM', refOf(ipam.metadata), [
        { op: 'test', path: `/metadata/finalizers/${i}`, value: IPAM_FINALIZER },
        { op: 'remove', path: `/metadata/finalizers/${i}` },
      ]);
      this.log(`DPUServiceIPAM ${name}: no interface holds an address, finalizer released`);
      return;
    }
    const holders = [...new Set(held.map((a) => a.interface))].sort();
    const shown =
      holders.slice(0, 5).join(', ') + (holders.length > 5 ? ` and ${holders.length - 5} more` : '');
    const message = `being deleted, held by DPUServiceInterfaces ${shown} (${held.length} addresses): delete them or point their spec.ipam.name elsewhere, and it goes`;
    await this.write(
      ipam,
      { nodes: current.nodes, allocations: held },
      invalid('InUse', message, ipam.metadata.generation ?? 1),
    );
  }

  /** Writes an interface's address rows when they differ from its status. */
  private async publish(
    i: DpuServiceInterfaceResource & { status?: { addresses?: InterfaceAddress[] } },
    rows: InterfaceAddress[],
  ): Promise<void> {
    if (sameRows(i.status?.addresses ?? [], rows)) return;
    // An interface deleted since the cache saw it has no status to write.
    await unlessNotFound(() =>
      this.kube.patchStatus('DPUServiceInterface', refOf(i.metadata), { addresses: rows }),
    );
  }

  /** The older IPAM (by creation, then name) keeps its pool; a newer one overlapping it is refused. */
  private overlapping(namespace: string, ipam: DpuServiceIpamResource, pool: IpamPool): string | undefined {
    const key = (o: DpuServiceIpamResource) =>
      `${new Date(o.metadata.creationTimestamp ?? 0).toISOString()}/${o.metadata.name}`;
    for (const other of this.look.ipams(namespace)) {
      if (other.metadata.name === ipam.metadata.name || other.metadata.deletionTimestamp) continue;
      if (key(other) > key(ipam)) continue;
      const theirs = poolOf(other.spec);
      if ('error' in theirs || !cidrsOverlap(theirs.cidr, pool.cidr)) continue;
      return `${pool.describe} overlaps ${theirs.describe} of DPUServiceIPAM ${other.metadata.name}: choose a range that overlaps no other DPUServiceIPAM of namespace ${namespace}`;
    }
    return undefined;
  }

  /** Allocations no request asks for whose interface a live read shows gone from that node. */
  private async confirmGone(
    namespace: string,
    ipam: string,
    allocations: IpamAllocation[],
    requests: AddressRequest[],
    dpus: DpuResource[],
  ): Promise<Set<string>> {
    const wanted = new Set(requests.map(allocationKey));
    const released = new Set<string>();
    for (const a of allocations) {
      if (wanted.has(allocationKey(a))) continue;
      const live = await this.kube.get<DpuServiceInterfaceResource>('DPUServiceInterface', {
        namespace,
        name: a.interface,
      });
      const stillThere =
        live &&
        live.metadata.uid === a.uid &&
        live.spec.ipam?.name === ipam &&
        dpus.some(
          (d) =>
            dpuClusterNodeName(namespace, d.metadata.name) === a.node &&
            matchesSelector(live.spec.dpuSelector, d.metadata.labels),
        );
      if (!stillThere) {
        released.add(allocationKey(a));
        this.log(`DPUServiceIPAM ${ipam}: ${a.address} of ${a.interface} on ${a.node} released`);
      }
    }
    return released;
  }

  /** The ledger and the Ready condition, in one patch conditional on the resourceVersion read. */
  private async write(ipam: DpuServiceIpamResource, ledger: Ledger, cond: Cond): Promise<void> {
    const generation = ipam.metadata.generation ?? 1;
    const cur = ipam.status?.conditions?.find((c) => c.type === 'Ready');
    const current: Ledger = { nodes: ipam.status?.nodes ?? [], allocations: ipam.status?.allocations ?? [] };
    const same =
      sameLedger(current, ledger) &&
      cur?.status === cond.status &&
      cur.reason === cond.reason &&
      cur.message === cond.message &&
      ipam.status?.observedGeneration === generation;
    if (same) return;
    if (cond.status === 'False' && cur?.message !== cond.message && cond.reason !== 'Pending')
      await this.kube.event(
        { kind: 'DPUServiceIPAM', ref: refOf(ipam.metadata) },
        'Warning',
        cond.reason,
        cond.message,
      );
    await patchStatusAt(this.kube, 'DPUServiceIPAM', ipam.metadata, {
      observedGeneration: generation,
      nodes: ledger.nodes,
      allocations: ledger.allocations,
      conditions: setCondition(ipam.status?.conditions, cond, new Date().toISOString()),
    });
    const added = ledger.allocations.length - current.allocations.length;
    if (added !== 0)
      this.log(
        `DPUServiceIPAM ${ipam.metadata.name}: ${ledger.allocations.length} addresses on ${ledger.nodes.length} nodes (${added > 0 ? '+' : ''}${added})`,
      );
  }
}

function invalid(reason: string, message: string, generation: number): Cond {
  return { type: 'Ready', status: 'False', reason, message, observedGeneration: generation };
}

function readiness(plan: IpamPlan, generation: number): Cond {
  if (plan.tooSmall) return invalid('PoolTooSmall', plan.tooSmall, generation);
  if (plan.unserved.length > 0) {
    const first = plan.unserved.slice(0, 3).map((u) => `${u.interface} on ${u.node}: ${u.message}`);
    const more = plan.unserved.length > 3 ? `; and ${plan.unserved.length - 3} more` : '';
    return invalid('AddressesUnavailable', `${first.join('; ')}${more}`, generation);
  }
  const { nodes, allocations } = plan.ledger;
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Allocated',
    message: `${nodes.length} DPU nodes with a block, ${allocations.length} addresses handed out`,
    observedGeneration: generation,
  };
}

function addressRow(
  ipam: string,
  pool: IpamPool,
  plan: IpamPlan,
  i: DpuServiceInterfaceResource,
  dpu: string,
  node: string,
): InterfaceAddress {
  const a = plan.ledger.allocations.find((x) => x.uid === i.metadata.uid && x.node === node);
  if (a) {
    const block = plan.ledger.nodes.find((n) => n.node === node);
    return { dpu, node, ipam, address: a.address, ...(block?.gateway ? { gateway: block.gateway } : {}) };
  }
  const why = plan.unserved.find((u) => u.uid === i.metadata.uid && u.node === node)?.message;
  return { dpu, node, ipam, message: why ?? `no address yet from ${pool.describe}` };
}

/** Rows equal field by field (the API server gives fields back in its own order). */
function sameRows(a: InterfaceAddress[], b: InterfaceAddress[]): boolean {
  const k = (r: InterfaceAddress) =>
    `${r.dpu}|${r.node}|${r.ipam}|${r.address ?? ''}|${r.gateway ?? ''}|${r.message ?? ''}`;
  return a.length === b.length && a.every((r, i) => k(r) === k(b[i]));
}
