/**
 * The service-chain planner: from the DPUServiceInterfaces and
 * DPUServiceChains of a namespace, what one DPU's OVS should hold.
 *
 *   interface (selected for the DPU) → a port: vf pf<p>vf<v>, pf p<p>, service <interfaceName>
 *   chain     (selected for the DPU) → per switch, per port: in_port=<port> actions=output:<neighbours>
 *
 * Each port of a switch sends to its neighbours in the list (A⇄B⇄C: A→B,
 * B→A,C, C→B), one flow per port, with the chain's cookie and priority. A
 * chain that names an interface which does not exist (or is not on this DPU,
 * or is being deleted), puts one port on two bridges, or steers a port
 * another chain already steers at the same priority is refused whole: the
 * refusal names the field path and value, and none of its flows is planned.
 * An interface naming a DPUServiceIPAM gets its port only once the IPAM
 * controller has written its address for this DPU (status.addresses): the
 * port carries the address and gateway in its external_ids (ADDRESS_KEY,
 * GATEWAY_KEY); until then it is held back with a `waiting` refusal naming
 * the IPAM, as DPF's chain waits for nv-ipam to give the service interface
 * its IP (NVIDIA/doca-platform docs/public/developer-guides/api/dpuserviceipam.md
 * @258e28e8cb00f5d85bddf926b20932edbf6342da, "Consuming IPAM in DPUServiceChain").
 * Pure and deterministic.
 */
import { matchesSelector } from './resources/label-selector';
import {
  DEFAULT_CHAIN_PRIORITY,
  DEFAULT_SFC_BRIDGE,
  type DpuServiceChainSpec,
  type DpuServiceInterfaceSpec,
} from './resources/service-chain';
import type { LabelSelector } from './resources/common';
import type { InterfaceAddress } from './resources/service-ipam';
import {
  ADDRESS_KEY,
  COOKIE_MARK,
  GATEWAY_KEY,
  OWNER_KEY,
  OWNER_VALUE,
  RESOURCE_KEY,
  type DesiredFlow,
  type DesiredOvs,
  type DesiredPort,
} from './ovs-state';

export interface PlannedObject<S> {
  name: string;
  spec: S;
  /** Being deleted: planned as if gone. */
  deleting?: boolean;
}

/** An interface with the addresses its DPUServiceIPAM gave it (its status.addresses). */
export interface PlannedInterface extends PlannedObject<DpuServiceInterfaceSpec> {
  addresses?: InterfaceAddress[];
}

export interface PlanInput {
  namespace: string;
  dpu: { name: string; labels?: Record<string, string> };
  interfaces: PlannedInterface[];
  chains: Array<PlannedObject<DpuServiceChainSpec>>;
}

export interface Refusal {
  /** The DPUServiceChain or DPUServiceInterface refused. */
  name: string;
  /** e.g. spec.switches[0].ports[1].serviceInterface */
  field: string;
  value: string;
  message: string;
  /** Not wrong, only not ready yet (an address still to come): the object waits, it is not Invalid. */
  waiting?: boolean;
}

export interface DpuPlan {
  desired: DesiredOvs;
  /** Chains refused on this DPU: nothing of theirs is planned. */
  chainRefusals: Refusal[];
  /** Interfaces refused on this DPU (their port is another interface's). */
  interfaceRefusals: Refusal[];
  /** Interfaces whose port is planned on this DPU: name → port. */
  interfaces: Record<string, string>;
  /** Chains whose flows are planned on this DPU. */
  chains: string[];
  /** A hash of `desired`: equal plans, equal revisions. */
  revision: string;
}

/** The OVS port of an interface: the representor's name, or the service's interface name. */
export function portNameOf(spec: DpuServiceInterfaceSpec): string {
  switch (spec.interfaceType) {
    case 'vf':
      return `pf${spec.vf?.pfId ?? 0}vf${spec.vf?.vfId ?? 0}`;
    case 'pf':
      return `p${spec.pf?.pfId ?? 0}`;
    case 'service':
      return spec.service?.interfaceName ?? '';
  }
}

/** 64-bit FNV-1a of a string. */
export function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

const hex16 = (n: bigint) => `0x${n.toString(16).padStart(16, '0')}`;

/** The cookie of a chain's flows: xpuflow's mark in the top 16 bits, a hash of <namespace>/<name> below. */
export function chainCookie(namespace: string, name: string): string {
  return hex16((COOKIE_MARK << 48n) | (fnv1a64(`${namespace}/${name}`) & 0xffffffffffffn));
}

function selects(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return matchesSelector(sel, labels);
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function planDpu(input: PlanInput): DpuPlan {
  const { namespace: ns, dpu } = input;
  const ports: DesiredPort[] = [];
  const interfaceRefusals: Refusal[] = [];
  const planned = new Map<string, DesiredPort>(); // interface name → port
  const portOwner = new Map<string, string>(); // port name → interface name
  const allInterfaces = new Map(input.interfaces.map((i) => [i.name, i]));

  for (const i of [...input.interfaces].sort(byName)) {
    if (i.deleting || !selects(i.spec.dpuSelector, dpu.labels)) continue;
    const name = portNameOf(i.spec);
    const other = portOwner.get(name);
    if (other) {
      interfaceRefusals.push({
        name: i.name,
        field: 'spec',
        value: name,
        message: `port ${name} on DPU ${dpu.name} is already DPUServiceInterface ${other}'s: give this interface another pf/vf id or interfaceName`,
      });
      continue;
    }
    const ipam = i.spec.ipam?.name;
    const row = ipam ? i.addresses?.find((a) => a.dpu === dpu.name && a.ipam === ipam) : undefined;
    if (ipam && !row?.address) {
      interfaceRefusals.push({
        name: i.name,
        field: 'spec.ipam.name',
        value: ipam,
        waiting: true,
        message: `waiting for an address from DPUServiceIPAM ${ipam} on DPU ${dpu.name}: ${row?.message ?? 'none given yet'}`,
      });
      continue;
    }
    const port: DesiredPort = {
      name,
      bridge: i.spec.bridge ?? DEFAULT_SFC_BRIDGE,
      type: i.spec.interfaceType === 'service' ? 'internal' : 'system',
      externalIds: {
        [OWNER_KEY]: OWNER_VALUE,
        [RESOURCE_KEY]: `${ns}/${i.name}`,
        ...(row?.address ? { [ADDRESS_KEY]: row.address } : {}),
        ...(row?.gateway ? { [GATEWAY_KEY]: row.gateway } : {}),
      },
    };
    portOwner.set(name, i.name);
    planned.set(i.name, port);
    ports.push(port);
  }

  const flows: DesiredFlow[] = [];
  const chainRefusals: Refusal[] = [];
  const chains: string[] = [];
  const steered = new Map<string, string>(); // bridge/port/priority → chain

  for (const c of [...input.chains].sort(byName)) {
    if (c.deleting || !selects(c.spec.dpuSelector, dpu.labels)) continue;
    const priority = c.spec.priority ?? DEFAULT_CHAIN_PRIORITY;
    const cookie = chainCookie(ns, c.name);
    const mine: DesiredFlow[] = [];
    const claims: string[] = [];
    let refusal: Refusal | undefined;
    const refuse = (field: string, value: string, message: string, waiting?: boolean) => {
      refusal ??= {
        name: c.name,
        field,
        value,
        message: `${field}: ${message}`,
        ...(waiting ? { waiting } : {}),
      };
    };
    c.spec.switches.forEach((sw, si) => {
      const resolved: DesiredPort[] = [];
      sw.ports.forEach((p, pi) => {
        const field = `spec.switches[${si}].ports[${pi}].serviceInterface`;
        const ref = p.serviceInterface;
        const q = JSON.stringify(ref);
        const iface = allInterfaces.get(ref);
        const port = planned.get(ref);
        if (!iface) {
          return refuse(
            field,
            ref,
            `DPUServiceInterface ${q} does not exist in namespace ${ns}: create it or fix the name`,
          );
        }
        if (iface.deleting) return refuse(field, ref, `DPUServiceInterface ${q} is being deleted`);
        const held = interfaceRefusals.find((r) => r.name === ref && r.waiting);
        if (!port && held) return refuse(field, ref, `DPUServiceInterface ${q} is ${held.message}`, true);
        if (!port) {
          return refuse(
            field,
            ref,
            `DPUServiceInterface ${q} has no port on DPU ${dpu.name} (its dpuSelector does not select it, or it was refused)`,
          );
        }
        if (resolved.length > 0 && resolved[0].bridge !== port.bridge) {
          return refuse(
            field,
            ref,
            `DPUServiceInterface ${q} is on bridge ${port.bridge}, the switch's first port on ${resolved[0].bridge}: ports of one switch must share a bridge`,
          );
        }
        const key = `${port.bridge}/${port.name}/${priority}`;
        const other = steered.get(key);
        if (other && other !== c.name) {
          return refuse(
            field,
            ref,
            `port ${port.name} is already steered at priority ${priority} by DPUServiceChain ${other}: use another priority`,
          );
        }
        if (claims.includes(key))
          return refuse(field, ref, `port ${port.name} is already in another switch of this chain`);
        claims.push(key);
        resolved.push(port);
      });
      resolved.forEach((port, k) => {
        const neighbours = [resolved[k - 1], resolved[k + 1]].filter((x): x is DesiredPort => !!x);
        if (neighbours.length === 0) return;
        mine.push({
          bridge: port.bridge,
          cookie,
          priority,
          match: `in_port=${port.name}`,
          actions: neighbours.map((n) => `output:${n.name}`).join(','),
          chain: `${ns}/${c.name}`,
        });
      });
    });
    if (refusal) {
      chainRefusals.push(refusal);
      continue;
    }
    for (const k of claims) steered.set(k, c.name);
    flows.push(...mine);
    chains.push(c.name);
  }

  const bridges = [...new Set(ports.map((p) => p.bridge))].sort();
  const desired: DesiredOvs = { bridges, ports, flows };
  return {
    desired,
    chainRefusals,
    interfaceRefusals,
    interfaces: Object.fromEntries([...planned].map(([n, p]) => [n, p.name])),
    chains,
    revision: fnv1a64(JSON.stringify(desired)).toString(16).padStart(16, '0'),
  };
}
