/**
 * `@odata.id` navigation (DSP0266: clients shall not assume URIs beyond /redfish/v1): a resource's
 * link by property name, and a collection's members, each fetched by the URI the BMC gave.
 */
import type { BmcConnection } from './bmc-connection';
import { RedfishError } from './errors';
import type { Collection, Link, Resource } from './types';

/** The service root, the one URI a client may know (DSP0266 "Service root"). */
export const SERVICE_ROOT = '/redfish/v1';

/** `resource[prop]['@odata.id']`, or a Protocol error naming what the link was needed for. */
export function linkOf(conn: BmcConnection, resource: Resource, prop: string, purpose: string): string {
  const link = (resource as unknown as Record<string, Link | undefined>)[prop];
  const id = link?.['@odata.id'];
  if (typeof id !== 'string' || id === '')
    throw new RedfishError(
      'Protocol',
      `BMC ${conn.origin}: ${resource['@odata.id']} has no ${prop} link, needed ${purpose}: this BMC does not offer it; check its firmware`,
      { bmc: conn.origin, resource: resource['@odata.id'] },
    );
  return id;
}

/** Every member of the collection at `uri`, fetched in order. */
export async function collectionMembers<T extends Resource>(
  conn: BmcConnection,
  uri: string,
  what: string,
): Promise<T[]> {
  const collection = await conn.getJson<Collection>(uri, `listing ${what}`);
  const out: T[] = [];
  for (const member of collection.Members ?? []) {
    out.push(await conn.getJson<T>(member['@odata.id'], `reading ${what} ${member['@odata.id']}`));
  }
  return out;
}
