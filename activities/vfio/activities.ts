/**
 * VM claim activities on the host worker (Harvester vf-provisioner's steps):
 * claim a free VF of a PF for a VM (creating one when none is free, the VF
 * count going through 0, which is only allowed while no VF of the PF is in
 * use), bind it to vfio-pci through driver_override + unbind + drivers_probe,
 * hot-plug it with QMP device_add, and the reverse. One job per file:
 * claims.ts, driver.ts, hotplug.ts; failures.ts says what each failure means.
 */
import { claimActivities } from './claims';
import { driverActivities } from './driver';
import { hotplugActivities } from './hotplug';

export interface VmActivitiesOptions {
  node: string;
  sysfsRoot: string;
  /** Default /var/lib/xpuflow. */
  stateDir?: string;
}

export function createVmActivities(opts: VmActivitiesOptions) {
  return {
    ...claimActivities({
      node: opts.node,
      sysfsRoot: opts.sysfsRoot,
      stateDir: opts.stateDir ?? '/var/lib/xpuflow',
    }),
    ...driverActivities(opts.sysfsRoot),
    ...hotplugActivities(),
  };
}

export type VmActivities = ReturnType<typeof createVmActivities>;
export type { VmClaimedVf } from './claims';
