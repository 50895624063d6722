/**
 * Host-side SR-IOV activities, run by the host worker of `node` on its
 * queue `xpuflow-host-<node>`. Each validates before it touches anything
 * and is idempotent: re-running it converges to the same state.
 */
import { asyncLocalStorage } from '@temporalio/activity';
import { checkNumVfs } from '../../model/validation';
import { SysfsErrorType, nonRetryable, withContext } from './errors';
import { DEFAULT_SYSFS_ROOT, assertPciAddress, pciDeviceExists, pfDevicePath } from './paths';
import { readNumVfs, readTotalVfs, setNumVfs } from './sriov';

export interface SysfsActivitiesOptions {
  /** Default /sys. */
  sysfsRoot?: string;
  /** The node this worker runs on (named in errors). */
  node: string;
  /** Wait after each sriov_numvfs write. Default 5000. */
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export interface VfCountRequest {
  pciAddress: string;
  numVfs: number;
}

export interface HostProbe {
  node: string;
  pciAddress: string;
  totalVfs: number;
  /** The PF's VF count now (not the requested one): what to restore on compensation. */
  numVfs: number;
}

export interface VfCountChange {
  previous: number;
  current: number;
}

/** The running activity's cancellation signal, when called as an activity. */
function cancellationSignal(): AbortSignal | undefined {
  return asyncLocalStorage.getStore()?.cancellationSignal;
}

export function createSysfsActivities(options: SysfsActivitiesOptions) {
  const root = options.sysfsRoot ?? DEFAULT_SYSFS_ROOT;
  const { node } = options;
  const where = `(node ${node}, sysfs ${root})`;

  const validate = (req: VfCountRequest): void => {
    if (req === null || typeof req !== 'object') {
      throw nonRetryable(SysfsErrorType.InvalidNumVfs, 'request must be { pciAddress, numVfs }');
    }
    assertPciAddress(req.pciAddress);
    const invalid = checkNumVfs(req.numVfs);
    if (invalid) throw nonRetryable(SysfsErrorType.InvalidNumVfs, invalid, { numVfs: req.numVfs });
  };

  const requirePf = async (pciAddress: string): Promise<void> => {
    if (!(await pciDeviceExists(root, pciAddress))) {
      throw nonRetryable(
        SysfsErrorType.PciDeviceNotFound,
        `PCI device ${pciAddress} not found on node ${node} (no ${pfDevicePath(root, pciAddress)}): ` +
          `check the DPU's pciAddress (lspci -D on ${node} lists the host's functions)`,
        { pciAddress, node, sysfsRoot: root },
      );
    }
  };

  const setCount = async (req: VfCountRequest): Promise<VfCountChange> => {
    validate(req);
    await requirePf(req.pciAddress);
    try {
      const { previous, current } = await setNumVfs(root, req.pciAddress, req.numVfs, {
        timeoutMs: options.timeoutMs,
        pollIntervalMs: options.pollIntervalMs,
        signal: cancellationSignal(),
      });
      return { previous, current };
    } catch (err) {
      throw withContext(err, where);
    }
  };

  return {
    /** Checks the PF exists and can take `numVfs`; writes nothing. */
    async probeHost(req: VfCountRequest): Promise<HostProbe> {
      validate(req);
      await requirePf(req.pciAddress);
      try {
        const totalVfs = await readTotalVfs(root, req.pciAddress);
        const over = checkNumVfs(req.numVfs, totalVfs, req.pciAddress);
        if (over) {
          throw nonRetryable(SysfsErrorType.NumVfsOverTotal, over, {
            pciAddress: req.pciAddress,
            numVfs: req.numVfs,
            totalVfs,
          });
        }
        const numVfs = await readNumVfs(root, req.pciAddress);
        return { node, pciAddress: req.pciAddress, totalVfs, numVfs };
      } catch (err) {
        throw withContext(err, where);
      }
    },

    /** Sets the PF's VF count (through 0); a no-op when it already has it. */
    async configureVfs(req: VfCountRequest): Promise<VfCountChange> {
      return setCount(req);
    },

    /**
     * Compensation: puts the PF's VF count back to what it was (`numVfs`,
     * e.g. probeHost's numVfs). A PF already at that count is left alone.
     */
    async restoreVfs(req: VfCountRequest): Promise<VfCountChange> {
      return setCount(req);
    },
  };
}

export type SysfsActivities = ReturnType<typeof createSysfsActivities>;
