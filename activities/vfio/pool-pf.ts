/**
 * A guest claim naming a pool: the pool is one of the host worker's VF pools
 * (its VF config's `pools`, the very pools its device plugin serves as
 * xpuflow.io/<name>), and the VF comes from one of the pool's PFs on this
 * host. Harvester's pcidevices groups a host's VFs the same way, by the PF
 * they are of (SRIOVNetworkDevice per network card, its status.vfAddresses;
 * harvester/pcidevices pkg/apis/devices.harvesterhci.io/v1beta1/
 * sriovnetworkdevice.go @ a68f55420090741494da5aa1bf3f957de065ef70).
 */
import { listPfs, listVfs, readNumVfs, readTotalVfs } from '../sysfs';
import { poolHasNoPf, poolNotOnHost } from './failures';

/** What a VM claim needs of a pool: its name and its PFs (netdev names or PCI addresses). */
export interface VmClaimPool {
  name: string;
  selector: { pfNames: string[] };
}

/** Whether `pf` can give a VF now: one not bound to vfio-pci, or none yet and room to make one. */
async function hasRoom(root: string, pf: string): Promise<boolean> {
  const vfs = await listVfs(root, pf);
  if (vfs.some((vf) => vf.driver !== 'vfio-pci')) return true;
  return (await readNumVfs(root, pf)) === 0 && (await readTotalVfs(root, pf)) > 0;
}

/**
 * The PF of `pool` on this host a claim should take its VF from: the first
 * with room, else the first (whose claim then says that all its VFs are in use).
 */
export async function poolPf(
  root: string,
  node: string,
  pools: VmClaimPool[],
  pool: string,
): Promise<string> {
  const config = pools.find((p) => p.name === pool);
  if (!config)
    throw poolNotOnHost(
      pool,
      node,
      pools.map((p) => p.name),
    );
  const wanted = config.selector.pfNames;
  const pfs = (await listPfs(root)).filter(
    (pf) => wanted.includes(pf.pciAddress) || pf.netdevs.some((n) => wanted.includes(n)),
  );
  if (!pfs.length) throw poolHasNoPf(pool, node, wanted);
  for (const pf of pfs) if (await hasRoom(root, pf.pciAddress)) return pf.pciAddress;
  return pfs[0].pciAddress;
}
