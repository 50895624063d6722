/**
 * What each CNI ADD did, one JSON file per VF under the host agent's state
 * folder, written after ADD and removed after DEL: DEL undoes from this,
 * even when the lease or the netns is gone (sriov-cni's lesson: cache ADD).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AttachRecord } from '../../model/vf';

export class AttachRecords {
  constructor(readonly dir: string) {}

  private file(pciAddress: string): string {
    return path.join(this.dir, `${pciAddress.replace(/[:.]/g, '_')}.json`);
  }

  async get(pciAddress: string): Promise<AttachRecord | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.file(pciAddress), 'utf8')) as AttachRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(record: AttachRecord): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(record.pciAddress)}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(record, null, 2), { mode: 0o600 });
    await fs.rename(tmp, this.file(record.pciAddress));
  }

  async remove(pciAddress: string): Promise<void> {
    await fs.rm(this.file(pciAddress), { force: true });
  }

  async all(): Promise<AttachRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: AttachRecord[] = [];
    for (const n of names.filter((n) => n.endsWith('.json'))) {
      try {
        out.push(JSON.parse(await fs.readFile(path.join(this.dir, n), 'utf8')) as AttachRecord);
      } catch (err) {
        // removed by a concurrent DEL between readdir and read
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return out;
  }

  async findByContainer(containerId: string, ifname?: string): Promise<AttachRecord | undefined> {
    return (await this.all()).find(
      (r) => r.containerId === containerId && (ifname === undefined || r.podIfname === ifname),
    );
  }
}
