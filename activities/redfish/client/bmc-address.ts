/** A BMC address as given (`host:port`, `host`, `[v6]:port` or an https URL) made into host, port and origin. */
import net from 'node:net';
import { RedfishError } from './errors';

export interface BmcTarget {
  host: string;
  port: number;
  /** `https://host:port`, what messages name. */
  origin: string;
}

export function bmcTarget(address: string): BmcTarget {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `https://${address}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw badAddress(address, 'is not host:port or an https URL');
  }
  if (url.protocol !== 'https:')
    throw badAddress(address, `uses ${url.protocol} (Redfish is reached over https only)`);
  if (url.pathname !== '/' || url.search)
    throw badAddress(address, 'has a path (give the BMC, the client finds /redfish/v1)');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : 443;
  const shown = net.isIPv6(host) ? `[${host}]` : host;
  return { host, port, origin: `https://${shown}:${port}` };
}

function badAddress(address: string, why: string): RedfishError {
  return new RedfishError(
    'Protocol',
    `BMC address ${JSON.stringify(address)} ${why}: fix the DPU's BMC address`,
    {
      bmc: address,
      resource: '(address)',
    },
  );
}
