export { startDmsSimulator, type DmsSimulator, type DmsSimulatorOptions } from './simulator';
export { startDmsFleet, type DmsFleet } from './fleet';
export { DMS_RPCS, type DmsFault, type DmsRpcName } from './faults';
export { DMS_HOLD_STEPS, type DmsHoldStep, type HeldStep } from './holds';
export type { DmsCounters, DmsTargetState, FlashInProgress, StagedImage, RebootRecord } from './target';
