/**
 * The VF services of a host worker process: the host agent socket xpuflow-cni
 * calls, a kubelet device plugin per pool (when a device plugin folder is
 * configured), and the lease collector (when pods can be checked).
 */
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { startDevicePlugins } from '../deviceplugin/manager';
import { createCniHandler } from './cni-handler';
import { startCollector } from './collector';
import type { VfHostConfig } from './config';
import { filePodChecker, kubeApiPodChecker } from './pods';
import { startHostAgentServer } from './server';

export interface VfHostServices {
  stop(): Promise<void>;
}

export async function startVfHostServices(opts: {
  client: Client;
  node: string;
  sysfsRoot: string;
  config: VfHostConfig;
  /** `client` is on the NativeConnection of the host worker polling this node's queue (eager lease starts). */
  eagerStart?: boolean;
}): Promise<VfHostServices> {
  const { client, node, sysfsRoot, config } = opts;
  const handler = createCniHandler({
    client,
    node,
    sysfsRoot,
    stateDir: config.stateDir,
    pools: config.pools,
    attachTimeoutMs: config.attachTimeoutMs,
  });
  const agent = await startHostAgentServer(config.hostAgentSocket, handler);
  const plugins = config.devicePluginDir
    ? await startDevicePlugins({
        client,
        node,
        sysfsRoot,
        pools: config.pools,
        dir: config.devicePluginDir,
        pollIntervalMs: config.pollIntervalMs ?? 1000,
        attachTimeoutMs: config.attachTimeoutMs,
        eagerStart: opts.eagerStart,
      })
    : undefined;
  const pods = config.pods?.file ? filePodChecker(path.resolve(config.pods.file)) : kubeApiPodChecker();
  const stopCollector = pods
    ? startCollector(client, node, pods, config.collectIntervalMs ?? 10_000)
    : () => undefined;
  return {
    async stop() {
      stopCollector();
      await plugins?.stop();
      await agent.stop();
    },
  };
}
