export { startSimFleet, hostName, dpuPciAddress } from './fleet';
export type { SimFleet, SimFleetOptions, SimHost, SimDpu } from './fleet';
