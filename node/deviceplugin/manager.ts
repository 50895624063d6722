/** One device plugin per configured pool. */
import type { Client } from '@temporalio/client';
import type { PoolConfig } from './pool';
import { startDevicePlugin, type RunningDevicePlugin } from './plugin';

export async function startDevicePlugins(opts: {
  client: Client;
  node: string;
  sysfsRoot: string;
  pools: PoolConfig[];
  dir: string;
  pollIntervalMs: number;
  attachTimeoutMs?: number;
  eagerStart?: boolean;
}): Promise<{ plugins: RunningDevicePlugin[]; stop(): Promise<void> }> {
  const plugins: RunningDevicePlugin[] = [];
  for (const pool of opts.pools) plugins.push(await startDevicePlugin({ ...opts, pool }));
  return { plugins, stop: async () => void (await Promise.all(plugins.map((p) => p.stop()))) };
}
