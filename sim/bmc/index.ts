/** The BlueField BMC simulator (Redfish over HTTPS); see server.ts and README "BMC simulator". */
export { startBmcSim } from './server';
export type { BmcSim, BmcSimOptions } from './server';
export { BmcFaults } from './faults';
export type { UpdateFault } from './faults';
export { DPU_OS_TARGET } from './resources';
