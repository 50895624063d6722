export { createNetdevActivities } from './activities';
export type { NetdevActivities, NetdevActivitiesOptions } from './activities';
export { attachNetdev, detachNetdev, NetdevError } from './attach';
export type { DetachOutcome } from './attach';
export { AttachRecords } from './records';
export { findLink, listLinks, ip, hostNetnsPath, netnsExists } from './ip';
