/** `readOvsState`: the owned ports (with their interface's type, ofport and error) and owned flows on every bridge. */
import {
  ADDRESS_KEY,
  GATEWAY_KEY,
  OWNER_KEY,
  OWNER_VALUE,
  RESOURCE_KEY,
  type ObservedFlow,
  type ObservedPort,
  type OvsState,
} from '../../model/ovs-state';
import type { OvsSession } from './session';

export function readStateActivity({ bridges, portRows, interfaceRows, dumpFlows }: OvsSession) {
  /** Owned ports (with their interface's type, ofport and error) and owned flows on every bridge. */
  async function readOvsState(): Promise<OvsState> {
    const brs = await bridges();
    const rows = await portRows(brs);
    const ifaces = await interfaceRows();
    const ports: ObservedPort[] = rows
      .filter((r) => r.ids[OWNER_KEY] === OWNER_VALUE)
      .map((r) => {
        const i = ifaces.get(r.name);
        const ofport = typeof i?.ofport === 'number' ? i.ofport : undefined;
        return {
          name: r.name,
          bridge: r.bridge,
          type: (i?.type as string | undefined) || 'system',
          owned: true,
          ...(r.ids[RESOURCE_KEY] ? { resource: r.ids[RESOURCE_KEY] } : {}),
          ...(r.ids[ADDRESS_KEY] ? { address: r.ids[ADDRESS_KEY] } : {}),
          ...(r.ids[GATEWAY_KEY] ? { gateway: r.ids[GATEWAY_KEY] } : {}),
          ...(ofport !== undefined ? { ofport } : {}),
          ...(typeof i?.error === 'string' ? { error: i.error } : {}),
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const flows: ObservedFlow[] = [];
    for (const br of brs) flows.push(...(await dumpFlows(br)).filter((f) => f.owned));
    return { ports, flows };
  }
  return { readOvsState };
}
