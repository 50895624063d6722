/**
 * `vfClaimPreflight`: before a guest cluster's claim changes anything on the
 * host, its PF (named, or one of its pool's) must be an SR-IOV PF of this
 * host and the VM must have a QMP socket here. Either missing is a
 * non-retryable failure naming the value, and nothing has been made.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pciDeviceExists, readTotalVfs } from '../sysfs';
import { noQmpSocket, pfNotOnHost } from './failures';
import { poolPf, type VmClaimPool } from './pool-pf';

export function preflightActivities(opts: {
  node: string;
  sysfsRoot: string;
  qmpDir: string;
  pools: VmClaimPool[];
}) {
  return {
    /**
     * The VM's QMP socket (`<qmpDir>/<vm>.qmp`) and the PF to claim from, once
     * both are here. `pf` or `pool`: exactly one (the workflow checked the spec).
     */
    async vfClaimPreflight(req: {
      pf?: string;
      pool?: string;
      vm: string;
    }): Promise<{ qmpSocket: string; pf: string }> {
      const pf =
        req.pool !== undefined ? await poolPf(opts.sysfsRoot, opts.node, opts.pools, req.pool) : req.pf;
      if (pf === undefined) throw pfNotOnHost('(none)', opts.node, 'the claim names neither a PF nor a pool');
      if (!(await pciDeviceExists(opts.sysfsRoot, pf)))
        throw pfNotOnHost(pf, opts.node, 'no such PCI device');
      // A function without sriov_totalvfs is no SR-IOV PF (or a VF): readTotalVfs says which file it missed.
      await readTotalVfs(opts.sysfsRoot, pf).catch((err: unknown) => {
        throw pfNotOnHost(pf, opts.node, err instanceof Error ? err.message : String(err));
      });
      const qmpSocket = path.join(opts.qmpDir, `${req.vm}.qmp`);
      const st = await fs.stat(qmpSocket).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
        throw err;
      });
      if (!st?.isSocket()) throw noQmpSocket(req.vm, opts.node, qmpSocket, st ? 'not a socket' : 'missing');
      return { qmpSocket, pf };
    },
  };
}
