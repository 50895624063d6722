/**
 * The part of the Redfish client (activities/redfish/client/, its own
 * branch) the redfish activities use, by the names the client exports
 * (/work/redfish-contract.md): the activities are written against these, and
 * the control worker passes the client's `openRedfish`.
 */
export interface BmcEndpoint {
  address: string;
  caPem?: string;
  certSha256?: string;
}
export interface BmcCredentials {
  username: string;
  password: string;
}
export interface TaskRef {
  /** The task's `@odata.id`. */
  odataId: string;
  /** The task monitor from `Location`, when the BMC gave one. */
  monitor?: string;
}
export interface TaskStatus {
  state: string;
  percent?: number;
  messages: string[];
  /** Set when the BMC asked to be asked again later (Retry-After). */
  retryAfterMs?: number;
}
export interface FirmwareItem {
  '@odata.id': string;
  Id?: string;
  Version?: string;
}
export interface ComputerSystem {
  '@odata.id': string;
  SerialNumber?: string;
  BootProgress?: { LastState?: string; OemLastState?: string };
}
export interface RedfishSession {
  systems(): Promise<ComputerSystem[]>;
  firmwareInventory(): Promise<FirmwareItem[]>;
  simpleUpdate(req: { imageUri: string; transferProtocol?: string; targets?: string[] }): Promise<TaskRef>;
  findUpdateTask(imageUri: string): Promise<TaskRef | undefined>;
  task(ref: TaskRef): Promise<TaskStatus>;
  reset(systemOdataId: string, resetType: string): Promise<void>;
  close(): Promise<void>;
}
export type OpenRedfish = (
  ep: BmcEndpoint,
  cred: BmcCredentials,
  opts?: { auth?: 'session' | 'basic' | 'auto'; timeoutMs?: number; signal?: AbortSignal },
) => Promise<RedfishSession>;
