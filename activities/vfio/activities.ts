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
import type { VmClaimPool } from './pool-pf';
import { preflightActivities } from './preflight';

export interface VmActivitiesOptions {
  node: string;
  sysfsRoot: string;
  /** Default /var/lib/xpuflow. */
  stateDir?: string;
  /** Where the VMs' QMP sockets are (`<qmpDir>/<vm>.qmp`) for guest-cluster claims. Default /run/xpuflow/qmp. */
  qmpDir?: string;
  /** The host's VF pools (its VF config's), which guest claims may name instead of a PF. */
  pools?: VmClaimPool[];
}

/** Where a host worker looks for `<vm>.qmp` unless told otherwise (`--qmp-dir`). */
export const DEFAULT_QMP_DIR = '/run/xpuflow/qmp';

export function createVmActivities(opts: VmActivitiesOptions) {
  return {
    ...claimActivities({
      node: opts.node,
      sysfsRoot: opts.sysfsRoot,
      stateDir: opts.stateDir ?? '/var/lib/xpuflow',
    }),
    ...driverActivities(opts.sysfsRoot),
    ...hotplugActivities(),
    ...preflightActivities({
      node: opts.node,
      sysfsRoot: opts.sysfsRoot,
      qmpDir: opts.qmpDir ?? DEFAULT_QMP_DIR,
      pools: opts.pools ?? [],
    }),
  };
}

export type VmActivities = ReturnType<typeof createVmActivities>;
export type { VmClaimedVf } from './claims';
