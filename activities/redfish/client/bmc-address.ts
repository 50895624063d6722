/** A BMC address as given (`host:port`, `host`, `[v6]:port` or an https URL) made into host, port and origin. */
import net from 'node:net';

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
    throw new Error(
      `BMC address ${JSON.stringify(address)} is not host:port or an https URL: fix the DPU's BMC address`,
    );
  }
  if (url.protocol !== 'https:')
    throw new Error(`BMC address ${address} uses ${url.protocol}: Redfish is reached over https only`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : 443;
  const shown = net.isIPv6(host) ? `[${host}]` : host;
  return { host, port, origin: `https://${shown}:${port}` };
}
