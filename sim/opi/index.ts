export { startOpiSim } from './server';
export type { OpiSim, OpiSimOptions } from './server';
