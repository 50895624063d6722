/**
 * Resource pools: which VFs of a node a device plugin offers under one
 * resource name. A selector picks PFs by netdev name (or PCI address), VFs by
 * index range, vendor and driver; the pool also says which DPU and VLAN the
 * xPU side of a lease gets.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { listPfs, listVfs, readOperstate, readVendor, SysfsErrorType } from '../../activities/sysfs';
import { errnoOf } from '../../activities/sysfs/errors';
import { checkNamespace } from '../../model/validation';
import { checkVlan, type XpuSide } from '../../model/vf';

export interface PoolSelector {
  /** PF netdev names (enp3s0f0) or PCI addresses. */
  pfNames: string[];
  /** VF indexes, "0-7" or "2,4-5"; all when absent. */
  vfRange?: string;
  /** e.g. ["0x15b3"]; any when absent. */
  vendors?: string[];
  /** e.g. ["mlx5_core"] or ["vfio-pci"]; any bound driver when absent. */
  drivers?: string[];
}

export interface PoolConfig {
  /** Resource name suffix: the kubelet sees xpuflow.io/<name>. */
  name: string;
  selector: PoolSelector;
  /** The DPU whose OPI server configures these VFs' ports, and the VLAN they join. */
  dpu: string;
  /** The DPU object's namespace on the host cluster; absent for a DPU started from the CLI. */
  dpuNamespace?: string;
  vlan: number;
}

export interface PoolVf {
  pciAddress: string;
  pf: string;
  pfIfname?: string;
  index: number;
  driver?: string;
  netdevs: string[];
  healthy: boolean;
  /** Why it is unhealthy. */
  why?: string;
}

export const RESOURCE_DOMAIN = 'xpuflow.io';
export const resourceNameOf = (pool: PoolConfig) => `${RESOURCE_DOMAIN}/${pool.name}`;

export function parseRange(spec: string | undefined): ((i: number) => boolean) | string {
  if (spec === undefined || spec === '') return () => true;
  const parts = spec.split(',').map((p) => p.trim());
  const ranges: Array<[number, number]> = [];
  for (const p of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) return `vfRange ${JSON.stringify(spec)} is not like "0-7" or "2,4-5"`;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return `vfRange ${JSON.stringify(spec)} has ${p} going backwards`;
    ranges.push([lo, hi]);
  }
  return (i) => ranges.some(([lo, hi]) => i >= lo && i <= hi);
}

/** The DPU side of the pool's VF leases: its DPU (and namespace, for a DPU object) and VLAN. */
export function xpuSideOf(pool: PoolConfig): XpuSide {
  return {
    dpu: pool.dpu,
    ...(pool.dpuNamespace !== undefined ? { namespace: pool.dpuNamespace } : {}),
    vlan: pool.vlan,
  };
}

export function poolProblems(pool: PoolConfig): string[] {
  const out: string[] = [];
  if (!pool || typeof pool !== 'object') return ['pool must be an object'];
  if (!/^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/i.test(pool.name ?? ''))
    out.push(`pool name ${JSON.stringify(pool.name)} is not a resource name`);
  if (!pool.selector || !Array.isArray(pool.selector.pfNames) || pool.selector.pfNames.length === 0) {
    out.push(`pool ${pool.name}: selector.pfNames must list at least one PF`);
  }
  const r = parseRange(pool.selector?.vfRange);
  if (typeof r === 'string') out.push(`pool ${pool.name}: ${r}`);
  const v = checkVlan(pool.vlan);
  if (v) out.push(`pool ${pool.name}: ${v}`);
  if (typeof pool.dpu !== 'string' || !pool.dpu)
    out.push(`pool ${pool.name}: dpu must name the DPU whose OPI server configures these VFs`);
  if (pool.dpuNamespace !== undefined) {
    const ns = checkNamespace(pool.dpuNamespace);
    if (ns) out.push(`pool ${pool.name}: dpuNamespace: ${ns}`);
  }
  return out;
}

/** The pool's VFs on this node now, with health (VF driver as selected, PF link not down). */
export async function discoverPool(root: string, pool: PoolConfig): Promise<PoolVf[]> {
  const inRange = parseRange(pool.selector.vfRange);
  if (typeof inRange === 'string') throw new Error(inRange);
  // A PF is named by its PCI address or its first netdev.
  const pfs = (await listPfs(root))
    .map((pf) => ({ pciAddress: pf.pciAddress, ifname: pf.netdevs[0] }))
    .filter(
      (pf) =>
        pool.selector.pfNames.includes(pf.pciAddress) ||
        (pf.ifname !== undefined && pool.selector.pfNames.includes(pf.ifname)),
    );
  const out: PoolVf[] = [];
  for (const pf of pfs) {
    const pfLink = await readOperstate(root, pf.pciAddress);
    for (const vf of await listVfs(root, pf.pciAddress)) {
      if (!inRange(vf.index)) continue;
      if (pool.selector.vendors?.length) {
        // A VF that went away meanwhile (its device or vendor file gone) is skipped; other read failures are reported.
        const vendor = await readVendor(root, vf.pciAddress).catch((err: unknown) => {
          if (
            errnoOf(err) === 'ENOENT' ||
            (err as ApplicationFailure)?.type === SysfsErrorType.PciDeviceNotFound
          )
            return undefined;
          throw err;
        });
        if (!vendor || !pool.selector.vendors.includes(vendor)) continue;
      }
      let why: string | undefined;
      if (!vf.driver) why = 'no driver bound';
      else if (pool.selector.drivers?.length && !pool.selector.drivers.includes(vf.driver)) {
        why = `bound to ${vf.driver}, pool wants ${pool.selector.drivers.join('|')}`;
      } else if (pfLink === 'down') why = `PF ${pf.ifname ?? pf.pciAddress} link is down`;
      out.push({
        pciAddress: vf.pciAddress,
        pf: pf.pciAddress,
        pfIfname: pf.ifname,
        index: vf.index,
        driver: vf.driver,
        netdevs: vf.netdevs,
        healthy: !why,
        why,
      });
    }
  }
  return out;
}
