export { createVmActivities } from './activities';
export type { VmActivities, VmActivitiesOptions, VmClaimedVf } from './activities';
export type { VmClaimPool } from './pool-pf';
export { VmFailureType } from './failures';
