export { createVmActivities } from './activities';
export type { VmActivities, VmActivitiesOptions, VmClaimedVf } from './activities';
export { VmFailureType } from './failures';
