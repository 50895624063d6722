/** BFB download and cache, bf.cfg rendering. */
export { createBfbActivities } from './activities';
export type { BfbActivities, BfbActivitiesOptions } from './activities';
export { fetchBfb } from './fetch-bfb';
export type { BfbHeartbeat, FetchBfbOptions, FetchBfbRequest, FetchedBfb } from './fetch-bfb';
export { bfbVersionOf, renderBfCfg } from './bf-cfg';
export type { BfCfgFile } from './bf-cfg';
export { shQuote, shAssign } from './shell-quote';
export { fileNameFromUrl } from './cache';
export { BfbErrorType } from './errors';
