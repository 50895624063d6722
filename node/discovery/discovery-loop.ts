/**
 * Node discovery on a host: a sync at start and one every interval (DPF's
 * detector rescans every 60 s; cmd/dpudetector/main.go @ 6acfda03), so the
 * Node's DPU labels follow cards that come and go. A failed pass is logged
 * with its reason and the next one tries again.
 */
import type { Kube } from '../../platform/kube/client';
import { xpuIdTable, type XpuId } from './pci-ids';
import { syncNodeDevices, type NodeSyncResult } from './sync-node';

export const DEFAULT_DISCOVERY_INTERVAL_SECONDS = 30;
/** How long a vanished card keeps its label: longer than a BlueField firmware reset or DPU reboot takes. */
export const DEFAULT_REMOVE_AFTER_SECONDS = 300;

export interface NodeDiscoveryOptions {
  kube: Kube;
  node: string;
  sysfsRoot: string;
  intervalMs: number;
  /** How long a card that vanished keeps its label. */
  removeAfterMs: number;
  /** IDs beyond BlueField-2 and -3. */
  extraIds?: readonly XpuId[];
  log?: (line: string) => void;
  /** Called after each pass, with its result or its error. */
  onPass?: (result: NodeSyncResult | Error) => void;
}

export interface NodeDiscovery {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

export function startNodeDiscovery(opts: NodeDiscoveryOptions): NodeDiscovery {
  if (!Number.isFinite(opts.intervalMs) || opts.intervalMs <= 0) {
    throw new Error(`discovery interval ${opts.intervalMs} ms must be a positive number`);
  }
  const ids = xpuIdTable(opts.extraIds);
  const log = opts.log ?? ((line: string) => console.log(line));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastError: string | undefined;
  const pass = async () => {
    try {
      const result = await syncNodeDevices({ ...opts, ids, log });
      if (result.patch) {
        const found = result.scan.devices.map((d) => `${d.pciAddress} (${d.model})`).join(', ') || 'none';
        log(`discovery on ${opts.node}: DPUs ${found}; node labels updated`);
      }
      lastError = undefined;
      opts.onPass?.(result);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      // Logged once per different reason, not every interval.
      if (e.message !== lastError) console.error(`discovery on ${opts.node} failed: ${e.message}`);
      lastError = e.message;
      opts.onPass?.(e);
    }
    if (!stopped) timer = setTimeout(() => (running = pass()), opts.intervalMs);
  };
  running = pass();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
