/** Simulated sysfs: a tree of SR-IOV PFs and a kernel that reacts to writes. */
export { createSysfsTree } from './tree';
export type { SimPfSpec, SysfsTree, SysfsTreeOptions } from './tree';
export { startSimKernel } from './kernel';
export type { SimErrno, SimKernel, SimKernelEvent, SimKernelOptions, SimKernelRefusal } from './kernel';
export { vfPciAddress, parsePciAddress, formatPciAddress, defaultPfIfname, macFor } from './pci-address';
export { unplugPciFunction } from './hotplug';
export type { SimVpd } from './vpd';
