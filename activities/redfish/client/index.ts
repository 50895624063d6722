/**
 * The Redfish client (DMTF DSP0266) the BMC install path and BMC discovery use: `openRedfish` gives a
 * RedfishSession on one BMC; errors are `RedfishError`s with a `kind`.
 */
export { openRedfish } from './open-redfish';
export type { RedfishSession } from './redfish-session';
export { RedfishError, isRedfishError, describeMessages, type RedfishErrorKind } from './errors';
export { BLUEFIELD_OS_INVENTORY_ID, type FindUpdateOptions } from './find-update-task';
export type { SimpleUpdateRequest } from './simple-update';
export { bluefieldOsTarget } from './bluefield-target';
export { retryAfterMs } from './retry-after';
export type {
  BmcCredentials,
  BmcEndpoint,
  ComputerSystem,
  FirmwareItem,
  Manager,
  OpenOptions,
  RedfishAuth,
  RedfishMessage,
  ServiceRoot,
  Task,
  TaskRef,
  TaskState,
  TaskStatus,
  UpdateService,
} from './types';
