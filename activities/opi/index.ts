export { createOpiActivities, bridgePortName, logicalBridgeName } from './activities';
export type { OpiActivities, OpiActivitiesOptions, BridgePortRequest } from './activities';
