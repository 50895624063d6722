/** The collections the client reads, each reached from the service root by its links. */
import type { BmcConnection } from './bmc-connection';
import { collectionMembers, linkOf } from './navigation';
import type { ComputerSystem, FirmwareItem, Manager, ServiceRoot, UpdateService } from './types';

export function systemsOf(conn: BmcConnection, root: ServiceRoot): Promise<ComputerSystem[]> {
  return collectionMembers<ComputerSystem>(conn, linkOf(conn, root, 'Systems', 'to find the DPU'), 'Systems');
}

export function managersOf(conn: BmcConnection, root: ServiceRoot): Promise<Manager[]> {
  return collectionMembers<Manager>(conn, linkOf(conn, root, 'Managers', 'to find the BMC'), 'Managers');
}

export async function firmwareInventoryOf(conn: BmcConnection, root: ServiceRoot): Promise<FirmwareItem[]> {
  const updateService = await conn.getJson<UpdateService>(
    linkOf(conn, root, 'UpdateService', 'to read firmware versions'),
    'reading the UpdateService',
  );
  return collectionMembers<FirmwareItem>(
    conn,
    linkOf(conn, updateService, 'FirmwareInventory', 'to read firmware versions'),
    'FirmwareInventory',
  );
}
