/**
 * A simulated fleet: hosts, each with a sysfs tree and a "kernel", DPUs on
 * them, each with a DMS simulator, and one BFB server. Used by the demo, the
 * end-to-end tests and the benchmark; production code sees only real
 * interfaces (a sysfs root, gRPC addresses, an http URL).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DpuSpec, ProvisionTiming } from '../../model/dpu';
import { startBfbServer, type BfbServer } from '../bfb-server';
import { startDmsSimulator, type DmsSimulator } from '../dms';
import { createSysfsTree, startSimKernel, type SimKernel } from '../sysfs';

export interface SimFleetOptions {
  /** Folder for the hosts' sysfs trees (created). */
  dir: string;
  hosts: number;
  dpusPerHost: number;
  /** Prefix of node and DPU names, e.g. `demo-k3x9-`. */
  prefix?: string;
  flashMs: number;
  rebootMs: number;
  bfbSizeBytes: number;
  bfbFileName?: string;
  numVfs?: number;
  totalVfs?: number;
  automaticReboot?: boolean;
  /** The DMS simulators' clock (ms); Date.now by default. */
  clock?: () => number | Promise<number>;
  /** Timing written into each spec. */
  timing?: Partial<ProvisionTiming>;
  /** Where the d-th DPU of the h-th host serves DMS (default: 127.0.0.1, a free port). */
  dmsListen?: (h: number, d: number) => { host: string; port: number };
  /** The serial in the d-th DPU of the h-th host's PCI VPD (default: no VPD), as BMC discovery matches it. */
  vpdSerial?: (h: number, d: number) => string;
}

export interface SimHost {
  node: string;
  sysfsRoot: string;
  kernel: SimKernel;
}

export interface SimDpu {
  spec: DpuSpec;
  dms: DmsSimulator;
  host: SimHost;
}

export interface SimFleet {
  hosts: SimHost[];
  dpus: SimDpu[];
  bfb: BfbServer;
  bfbUrl: string;
  bfbSha256: string;
  stop(): Promise<void>;
}

export function hostName(prefix: string, i: number): string {
  return `${prefix}host-${String(i + 1).padStart(2, '0')}`;
}

/** The PF of the d-th DPU of a host: one bus per DPU, from 0000:03:00.0 on. */
export function dpuPciAddress(d: number): string {
  return `0000:${(3 + d).toString(16).padStart(2, '0')}:00.0`;
}

export async function startSimFleet(opts: SimFleetOptions): Promise<SimFleet> {
  const prefix = opts.prefix ?? '';
  const fileName = opts.bfbFileName ?? 'bf-bundle-2.9.1-sim.bfb';
  const bfb = await startBfbServer({ files: [{ name: fileName, sizeBytes: opts.bfbSizeBytes }] });
  const hosts: SimHost[] = [];
  const dpus: SimDpu[] = [];
  const stopAll = async () => {
    await Promise.all(dpus.map((d) => d.dms.stop()));
    await Promise.all(hosts.map((h) => h.kernel.stop()));
    await bfb.stop();
  };
  try {
    for (let h = 0; h < opts.hosts; h++) {
      const node = hostName(prefix, h);
      const sysfsRoot = path.join(opts.dir, node, 'sys');
      fs.mkdirSync(sysfsRoot, { recursive: true });
      createSysfsTree(sysfsRoot, {
        pfs: Array.from({ length: opts.dpusPerHost }, (_, d) => ({
          pciAddress: dpuPciAddress(d),
          totalVfs: opts.totalVfs ?? 16,
          ...(opts.vpdSerial
            ? { vpd: { productName: 'BlueField-2 DPU', serialNumber: opts.vpdSerial(h, d) } }
            : {}),
        })),
      });
      const host: SimHost = { node, sysfsRoot, kernel: startSimKernel(sysfsRoot, { persistent: false }) };
      hosts.push(host);
      for (let d = 0; d < opts.dpusPerHost; d++) {
        const dms = await startDmsSimulator({
          ...(opts.dmsListen ? opts.dmsListen(h, d) : {}),
          flashMs: opts.flashMs,
          rebootMs: opts.rebootMs,
          clock: opts.clock,
        });
        dpus.push({
          host,
          dms,
          spec: {
            name: `${node}-dpu-${d}`,
            node,
            pciAddress: dpuPciAddress(d),
            bfb: { url: bfb.url(fileName), sha256: bfb.sha256(fileName) },
            dmsAddress: dms.address,
            numVfs: opts.numVfs ?? 4,
            automaticReboot: opts.automaticReboot ?? true,
            timing: opts.timing,
          },
        });
      }
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { hosts, dpus, bfb, bfbUrl: bfb.url(fileName), bfbSha256: bfb.sha256(fileName), stop: stopAll };
}
