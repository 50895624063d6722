/** What one pool's device plugin is started with (the host worker's VF config, per pool). */
import type { Client } from '@temporalio/client';
import type { PoolConfig } from './pool';

export interface DevicePluginOptions {
  client: Client;
  node: string;
  sysfsRoot: string;
  pool: PoolConfig;
  /** The kubelet's device-plugins folder (kubelet.sock lives there). */
  dir: string;
  pollIntervalMs: number;
  attachTimeoutMs?: number;
  /**
   * `client` shares its NativeConnection with the host worker polling this
   * node's queue: Allocate starts a new lease eagerly (leases.ts startOrJoinLease).
   */
  eagerStart?: boolean;
}
