/**
 * IPAM for xpuflow-cni, run by the host agent: "static" hands out the
 * configured addresses; "host-local" allocates the lowest free address of a
 * range, one file per address under <stateDir>/ipam/<network>/ (created with
 * O_EXCL, so two ADDs never get the same one), holding the container ID.
 * Allocation is idempotent per container and interface; release removes it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { CniCode, CniError } from './errors';
import { intToIp, ipToInt, parseCidr, type IpamConfig } from './config';

export interface IpamResult {
  addresses: Array<{ address: string; gateway?: string }>;
  routes: Array<{ dst: string; gw?: string }>;
}

export class Ipam {
  constructor(private readonly stateDir: string) {}

  private dir(network: string): string {
    return path.join(this.stateDir, 'ipam', network.replace(/[^A-Za-z0-9_.-]/g, '_'));
  }

  async allocate(
    network: string,
    ipam: IpamConfig,
    containerId: string,
    ifname: string,
  ): Promise<IpamResult> {
    const routes = ipam.routes ?? [];
    if (ipam.type === 'static') return { addresses: ipam.addresses, routes };
    const owner = `${containerId}/${ifname}`;
    const dir = this.dir(network);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const subnet = parseCidr(ipam.subnet) as { ip: number; prefix: number };
    const mask = subnet.prefix === 0 ? 0 : (~0 << (32 - subnet.prefix)) >>> 0;
    const base = (subnet.ip & mask) >>> 0;
    const broadcast = (base | (~mask >>> 0)) >>> 0;
    const gateway = ipam.gateway ? (ipToInt(ipam.gateway) as number) : undefined;
    const start = ipam.rangeStart ? (ipToInt(ipam.rangeStart) as number) : base + 2;
    const end = ipam.rangeEnd ? (ipToInt(ipam.rangeEnd) as number) : broadcast - 1;
    const result = (ip: number) => ({
      addresses: [{ address: `${intToIp(ip)}/${subnet.prefix}`, gateway: ipam.gateway }],
      routes,
    });
    for (const name of await fs.readdir(dir)) {
      if ((await fs.readFile(path.join(dir, name), 'utf8').catch(() => '')) === owner)
        return result(ipToInt(name) as number);
    }
    for (let ip = start; ip <= end; ip++) {
      if (ip === gateway || ip === base || ip === broadcast) continue;
      try {
        await fs.writeFile(path.join(dir, intToIp(ip)), owner, { flag: 'wx', mode: 0o600 });
        return result(ip);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    throw new CniError(
      CniCode.TryAgainLater,
      `ipam host-local: no free address in ${ipam.rangeStart ?? intToIp(start)}-${ipam.rangeEnd ?? intToIp(end)} of network ${network}`,
    );
  }

  /** Frees what `containerId` (and `ifname`, when given) holds in `network`; a no-op when nothing. */
  async release(network: string, containerId: string, ifname?: string): Promise<void> {
    const dir = this.dir(network);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const owner = await fs.readFile(path.join(dir, name), 'utf8').catch(() => '');
      if (
        owner === `${containerId}/${ifname}` ||
        (ifname === undefined && owner.startsWith(`${containerId}/`))
      ) {
        await fs.rm(path.join(dir, name), { force: true });
      }
    }
  }
}
