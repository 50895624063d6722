/**
 * The Redfish client's surface types (DMTF DSP0266 resources, only the properties the client reads)
 * and what a caller hands it. Everything here is plain JSON, so an activity can return a TaskRef or
 * TaskStatus through Temporal unchanged.
 */

/** A BMC: `host:port` or an `https://` URL, and how its certificate is pinned. */
export interface BmcEndpoint {
  address: string;
  /** PEM of the CA that signed the BMC's certificate; the certificate must chain to it and name the host. */
  caPem?: string;
  /** SHA-256 of the BMC's leaf certificate (DER), hex, colons and case ignored. */
  certSha256?: string;
}

/** The BMC account (the activities read it from a Secret). */
export interface BmcCredentials {
  username: string;
  password: string;
}

/** session: a SessionService login; basic: HTTP Basic on every request; auto: a session when offered. */
export type RedfishAuth = 'session' | 'basic' | 'auto';

export interface OpenOptions {
  auth?: RedfishAuth;
  /** Per request (connect, TLS, answer); default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** `{ "@odata.id": … }`, a navigation link. */
export interface Link {
  '@odata.id': string;
}

export interface Resource {
  '@odata.id': string;
  '@odata.etag'?: string;
  '@odata.type'?: string;
  Id?: string;
  Name?: string;
}

export interface ServiceRoot extends Resource {
  RedfishVersion?: string;
  Product?: string;
  Vendor?: string;
  UUID?: string;
  Systems?: Link;
  Managers?: Link;
  Chassis?: Link;
  UpdateService?: Link;
  TaskService?: Link;
  SessionService?: Link;
  Links?: { Sessions?: Link };
}

export interface Collection extends Resource {
  Members?: Link[];
  'Members@odata.count'?: number;
}

/** An action as a resource advertises it: its target URI and, per parameter, the allowable values. */
export interface ActionInfo {
  target?: string;
  [allowable: `${string}@Redfish.AllowableValues`]: string[] | undefined;
}

export interface ComputerSystem extends Resource {
  SerialNumber?: string;
  Model?: string;
  Manufacturer?: string;
  PowerState?: string;
  HostName?: string;
  Status?: { State?: string; Health?: string };
  BootProgress?: { LastState?: string; OemLastState?: string };
  /** DMTF ComputerSystem Links: the Chassis holding it (a BlueField's card, with the card's serial). */
  Links?: { Chassis?: Link[]; ManagedBy?: Link[] };
  Actions?: { '#ComputerSystem.Reset'?: ActionInfo; [action: string]: ActionInfo | undefined };
}

export interface Manager extends Resource {
  ManagerType?: string;
  FirmwareVersion?: string;
  Model?: string;
  Status?: { State?: string; Health?: string };
}

export interface FirmwareItem extends Resource {
  Version?: string;
  Updateable?: boolean;
  SoftwareId?: string;
}

export interface UpdateService extends Resource {
  FirmwareInventory?: Link;
  Actions?: { '#UpdateService.SimpleUpdate'?: ActionInfo; [action: string]: ActionInfo | undefined };
}

/** A message from a DMTF message registry (in a Task's Messages or an error's @Message.ExtendedInfo). */
export interface RedfishMessage {
  MessageId?: string;
  Message?: string;
  MessageArgs?: string[];
  Severity?: string;
  MessageSeverity?: string;
  Resolution?: string;
}

/** DMTF Task.v1 TaskState. */
export type TaskState =
  | 'New'
  | 'Starting'
  | 'Running'
  | 'Suspended'
  | 'Interrupted'
  | 'Pending'
  | 'Stopping'
  | 'Completed'
  | 'Killed'
  | 'Exception'
  | 'Service'
  | 'Cancelling'
  | 'Cancelled';

export interface Task extends Resource {
  TaskState?: TaskState;
  TaskStatus?: string;
  PercentComplete?: number;
  Messages?: RedfishMessage[];
  StartTime?: string;
  EndTime?: string;
  TaskMonitor?: string;
  /** What started the task (Task.v1_3+): bmcweb fills it from the request, JsonBody as a JSON string. */
  Payload?: { TargetUri?: string; HttpOperation?: string; JsonBody?: string | Record<string, unknown> };
}

/** Where to follow an update: the Task resource and, when the BMC gave one, its task monitor. */
export interface TaskRef {
  /** The Task's @odata.id (or, for an update found already installed, the firmware item's). */
  task: string;
  /** The task monitor URI (the 202's Location, or the Task's TaskMonitor). */
  monitor?: string;
  /** The ImageURI this update installs, when known. */
  imageUri?: string;
  /** Set when no task was left but the firmware inventory already reports the expected version. */
  installed?: { version: string };
}

export interface TaskStatus {
  task: string;
  state: TaskState;
  /** Completed: the update finished (task() throws for Exception, Killed, Cancelled). */
  done: boolean;
  percentComplete?: number;
  messages: RedfishMessage[];
  /** The BMC's Retry-After on the task monitor: poll again after this long. */
  retryAfterMs?: number;
}
