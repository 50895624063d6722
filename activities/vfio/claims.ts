/**
 * `vmClaimVf` / `vmUnclaimVf`: which VM holds which VF. Claims are files
 * under <stateDir>/vm-claims, created exclusively: two VMs never get one VF.
 * A VM with no VF yet gets a free one, or a new one when the PF has none in
 * use (the VF count going through 0).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listVfs, readNumVfs, readTotalVfs, setNumVfs } from '../sysfs';
import { allVfsInUse, countMustGoThroughZero, vfTaken } from './failures';

export interface VmClaimedVf {
  pciAddress: string;
  /** The driver to rebind on release. */
  originalDriver: string;
  /** Whether this claim raised the PF's VF count. */
  created: boolean;
}

/** The claim files of one host. */
class ClaimStore {
  constructor(private readonly dir: string) {}

  private file(pci: string): string {
    return path.join(this.dir, pci.replace(/[:.]/g, '_'));
  }

  async owner(pci: string): Promise<{ vm: string; originalDriver: string } | undefined> {
    return fs.readFile(this.file(pci), 'utf8').then(
      (t) => JSON.parse(t) as { vm: string; originalDriver: string },
      () => undefined,
    );
  }

  /** True when this call made the claim; false when somebody holds it. */
  async tryClaim(pci: string, vm: string, originalDriver: string): Promise<boolean> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      await fs.writeFile(this.file(pci), JSON.stringify({ vm, originalDriver }), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  async remove(pci: string): Promise<void> {
    await fs.rm(this.file(pci), { force: true });
  }
}

export function claimActivities(opts: { node: string; sysfsRoot: string; stateDir: string }) {
  const root = opts.sysfsRoot;
  const claims = new ClaimStore(path.join(opts.stateDir, 'vm-claims'));
  return {
    /** The VM's VF on `pf`: the one it already claimed, a free one, or a new one. */
    async vmClaimVf(req: { pf: string; vm: string }): Promise<VmClaimedVf> {
      const vfs = await listVfs(root, req.pf);
      for (const vf of vfs) {
        const o = await claims.owner(vf.pciAddress);
        if (o?.vm === req.vm)
          return { pciAddress: vf.pciAddress, originalDriver: o.originalDriver, created: false };
      }
      for (const vf of vfs) {
        if (vf.driver === 'vfio-pci' || (await claims.owner(vf.pciAddress))) continue;
        const original = vf.driver ?? 'mlx5_core';
        if (await claims.tryClaim(vf.pciAddress, req.vm, original))
          return { pciAddress: vf.pciAddress, originalDriver: original, created: false };
      }
      const [count, total] = [await readNumVfs(root, req.pf), await readTotalVfs(root, req.pf)];
      if (count >= total) throw allVfsInUse(req.pf, opts.node, total);
      if (count > 0) throw countMustGoThroughZero(req.pf, opts.node, count);
      await setNumVfs(root, req.pf, count + 1);
      const [fresh] = (await listVfs(root, req.pf)).slice(count);
      if (!fresh || !(await claims.tryClaim(fresh.pciAddress, req.vm, fresh.driver ?? 'mlx5_core')))
        throw vfTaken(req.pf);
      return { pciAddress: fresh.pciAddress, originalDriver: fresh.driver ?? 'mlx5_core', created: true };
    },

    /** Removes the VM's claim; a VF claimed by another VM (or by none) is left alone. */
    async vmUnclaimVf(req: { pciAddress: string; vm: string }): Promise<void> {
      const o = await claims.owner(req.pciAddress);
      if (o && o.vm === req.vm) await claims.remove(req.pciAddress);
    },
  };
}
