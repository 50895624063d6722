export { startQmpSim } from './server';
export type { QmpSim } from './server';
