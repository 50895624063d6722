/** sysfs SR-IOV helpers and the host worker's sysfs activities. */
export { createSysfsActivities } from './activities';
export type {
  HostProbe,
  SysfsActivities,
  SysfsActivitiesOptions,
  VfCountChange,
  VfCountRequest,
} from './activities';
export { listPfs, listVfs, readNumVfs, readTotalVfs, setNumVfs } from './sriov';
export type { SetNumVfsOptions, SetNumVfsResult, VfInfo } from './sriov';
export { bindDriver, readDriver } from './driver';
export type { BindDriverOptions } from './driver';
export {
  DEFAULT_SYSFS_ROOT,
  assertPciAddress,
  driverPath,
  driversProbePath,
  pciDeviceExists,
  pciDevicePath,
  pfDevicePath,
  requirePciDevice,
} from './paths';
export { SysfsErrorType } from './errors';
export { readIommuGroup, readNetdevs, readOperstate, readPhysfn, readVendor } from './netdev';
