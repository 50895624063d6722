export { createOvsActivities } from './activities';
export type { OvsActivities, OvsActivitiesOptions } from './activities';
export { DEFAULT_OVS_DB, ovsRundir } from './commands';
