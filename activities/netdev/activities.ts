/**
 * The host worker's netdev activities, called by the VF lease workflow on
 * queue xpuflow-host-<node>: ADD's and DEL's netns moves, recorded so a
 * repeated call converges (check before acting).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { AttachRecord, AttachRequest } from '../../model/vf';
import { readNetdevs } from '../sysfs/netdev';
import { NetdevError, attachNetdev, detachNetdev, type DetachOutcome } from './attach';
import { AttachRecords } from './records';

export interface NetdevActivitiesOptions {
  node: string;
  sysfsRoot: string;
  /** Where ADD records live (shared with the host agent). */
  stateDir: string;
}

export function createNetdevActivities(opts: NetdevActivitiesOptions) {
  const records = new AttachRecords(opts.stateDir);

  return {
    /** ADD: moves the VF's netdev into the pod netns, renames and configures it. */
    async attachVfNetdev(req: AttachRequest & { pciAddress: string; mac: string }): Promise<AttachRecord> {
      const previous = await records.get(req.pciAddress);
      if (previous && previous.containerId !== req.containerId) {
        throw ApplicationFailure.nonRetryable(
          `VF ${req.pciAddress} is attached to container ${previous.containerId} (netns ${previous.netns}); detach it first`,
          'VfBusy',
        );
      }
      let hostIfname = previous?.hostIfname;
      if (!hostIfname) {
        [hostIfname] = await readNetdevs(opts.sysfsRoot, req.pciAddress);
        if (!hostIfname) {
          throw ApplicationFailure.nonRetryable(
            `VF ${req.pciAddress} on node ${opts.node} has no netdev in sysfs (bound to vfio-pci or no driver): it cannot go into a pod netns`,
            'VfHasNoNetdev',
          );
        }
      }
      try {
        const record = await attachNetdev({ ...req, hostIfname }, previous);
        await records.put(record);
        return record;
      } catch (err) {
        if (err instanceof NetdevError && err.kind !== 'Failed') {
          throw ApplicationFailure.nonRetryable(err.message, `Netdev${err.kind}`);
        }
        throw err;
      }
    },

    /** DEL: the reverse; a no-op when nothing was attached, tolerant of a vanished netns. */
    async detachVfNetdev(req: { pciAddress: string }): Promise<DetachOutcome | undefined> {
      const record = await records.get(req.pciAddress);
      if (!record) return undefined;
      const outcome = await detachNetdev(record);
      await records.remove(req.pciAddress);
      return outcome;
    },
  };
}

export type NetdevActivities = ReturnType<typeof createNetdevActivities>;
