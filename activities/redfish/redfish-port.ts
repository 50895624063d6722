/**
 * The Redfish client's surface as the redfish activities take it: the
 * control worker passes the client's `openRedfish`; a test may pass another
 * opener of the same type.
 */
import type { openRedfish } from './client';

export type OpenRedfish = typeof openRedfish;
export type { ComputerSystem, FirmwareItem, RedfishSession, TaskRef, TaskStatus } from './client';
