/**
 * `vfClaimPreflight`: before a guest cluster's claim changes anything on the
 * host, the PF must be an SR-IOV PF of this host and the VM must have a QMP
 * socket here. Either missing is a non-retryable failure naming the value, and
 * nothing has been made.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pciDeviceExists, readTotalVfs } from '../sysfs';
import { noQmpSocket, pfNotOnHost } from './failures';

export function preflightActivities(opts: { node: string; sysfsRoot: string; qmpDir: string }) {
  return {
    /** The VM's QMP socket (`<qmpDir>/<vm>.qmp`) once the PF and the socket are both here. */
    async vfClaimPreflight(req: { pf: string; vm: string }): Promise<{ qmpSocket: string }> {
      if (!(await pciDeviceExists(opts.sysfsRoot, req.pf)))
        throw pfNotOnHost(req.pf, opts.node, 'no such PCI device');
      // A function without sriov_totalvfs is no SR-IOV PF (or a VF): readTotalVfs says which file it missed.
      await readTotalVfs(opts.sysfsRoot, req.pf).catch((err: unknown) => {
        throw pfNotOnHost(req.pf, opts.node, err instanceof Error ? err.message : String(err));
      });
      const qmpSocket = path.join(opts.qmpDir, `${req.vm}.qmp`);
      const st = await fs.stat(qmpSocket).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
        throw err;
      });
      if (!st?.isSocket()) throw noQmpSocket(req.vm, opts.node, qmpSocket, st ? 'not a socket' : 'missing');
      return { qmpSocket };
    },
  };
}
