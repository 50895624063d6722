/** The RedfishSession a caller holds: the service root it opened with, and each operation by navigation from it. */
import type { BmcConnection } from './bmc-connection';
import { findUpdateTask, type FindUpdateOptions } from './find-update-task';
import { resetSystem } from './reset';
import { firmwareInventoryOf, managersOf, systemsOf } from './resources';
import { simpleUpdate, type SimpleUpdateRequest } from './simple-update';
import { pollTask } from './task-status';
import type { ComputerSystem, FirmwareItem, Manager, ServiceRoot, TaskRef, TaskStatus } from './types';

export interface RedfishSession {
  /** `https://host:port` of the BMC, as errors name it. */
  readonly bmc: string;
  /** 'session' when logged in through the SessionService, else 'basic'. */
  readonly auth: 'session' | 'basic';
  serviceRoot(): Promise<ServiceRoot>;
  get<T>(odataId: string): Promise<T & { '@odata.id': string; '@odata.etag'?: string }>;
  systems(): Promise<ComputerSystem[]>;
  managers(): Promise<Manager[]>;
  firmwareInventory(): Promise<FirmwareItem[]>;
  simpleUpdate(req: SimpleUpdateRequest): Promise<TaskRef>;
  findUpdateTask(imageUri: string, opts?: FindUpdateOptions): Promise<TaskRef | undefined>;
  task(ref: TaskRef): Promise<TaskStatus>;
  reset(systemOdataId: string, resetType: string): Promise<void>;
  close(): Promise<void>;
}

export class BmcSession implements RedfishSession {
  constructor(
    private readonly conn: BmcConnection,
    private readonly root: ServiceRoot,
  ) {}

  get bmc(): string {
    return this.conn.origin;
  }

  get auth(): 'session' | 'basic' {
    return this.conn.usesSession ? 'session' : 'basic';
  }

  async serviceRoot(): Promise<ServiceRoot> {
    return this.root;
  }

  get<T>(odataId: string): Promise<T & { '@odata.id': string; '@odata.etag'?: string }> {
    return this.conn.getJson(odataId);
  }

  systems(): Promise<ComputerSystem[]> {
    return systemsOf(this.conn, this.root);
  }

  managers(): Promise<Manager[]> {
    return managersOf(this.conn, this.root);
  }

  firmwareInventory(): Promise<FirmwareItem[]> {
    return firmwareInventoryOf(this.conn, this.root);
  }

  simpleUpdate(req: SimpleUpdateRequest): Promise<TaskRef> {
    return simpleUpdate(this.conn, this.root, req);
  }

  findUpdateTask(imageUri: string, opts?: FindUpdateOptions): Promise<TaskRef | undefined> {
    return findUpdateTask(this.conn, this.root, imageUri, opts);
  }

  task(ref: TaskRef): Promise<TaskStatus> {
    return pollTask(this.conn, ref);
  }

  reset(systemOdataId: string, resetType: string): Promise<void> {
    return resetSystem(this.conn, systemOdataId, resetType);
  }

  close(): Promise<void> {
    return this.conn.logout();
  }
}
